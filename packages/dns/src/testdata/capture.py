import socket, subprocess, threading, json, sys
cases = [
  ("soa", ["example.com", "SOA"]),
  ("txt", ["txt.example.com", "TXT"]),
  ("mx", ["example.com", "MX"]),
  ("cname_chain_mixed_case", ["WwW.ExAmPle.CoM", "A"]),
  ("nxdomain", ["nope.example.com", "A"]),
  ("nodata", ["mail.example.com", "AAAA"]),
  ("wildcard", ["foo.wild.example.com", "A"]),
  ("delegation", ["host.sub.example.com", "A"]),
  ("srv", ["_sip._tcp.example.com", "SRV"]),
  ("caa", ["example.com", "CAA"]),
  ("aaaa", ["web1.example.com", "AAAA"]),
  ("unknown_type", ["example.com", "TYPE65534"]),
  ("dnssec_do", ["example.com", "NS", "+dnssec"]),
  ("noedns", ["example.com", "NS", "+noedns"]),
  ("refused", ["example.org", "A"]),
]
out = []
for name, args in cases:
    ls = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); ls.bind(("127.0.0.1", 0)); port = ls.getsockname()[1]
    res = {}
    def serve():
        ls.settimeout(5); q, addr = ls.recvfrom(65535); res["q"] = q; print(name, file=sys.stderr)
        up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); up.settimeout(2)
        up.sendto(q, ("127.0.0.1", 5399)); r, _ = up.recvfrom(65535); res["r"] = r
        ls.sendto(r, addr)
    t = threading.Thread(target=serve); t.start()
    p = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), "+norec", "+tries=1", "+time=3"] + args, capture_output=True, text=True)
    t.join()
    text = "\n".join(l for l in p.stdout.splitlines() if l and not l.startswith(";; WHEN") and not l.startswith(";; Query time") and not l.startswith("; <<>>"))
    out.append({"name": name, "dig": " ".join(args), "query": res["q"].hex(), "response": res["r"].hex(), "digOutput": text})
json.dump(out, open(sys.argv[1], "w"), indent=1)
