/**
 * The members of musl's libc.a a guest image may contain. Each was checked to make
 * no system call (or, for the stdio plumbing, only through function pointers of
 * FILEs that the runtime never opens). Anything else pulled in by a new libc call
 * fails the build, naming the member and who needed it: review it (objdump -d it
 * and look for `syscall`), then add it here or add a shim to src/runtime.
 */
export const LIBC_ALLOWED_MEMBERS: ReadonlySet<string> = new Set([
  // global state, errno
  "libc.lo", "__errno_location.lo",
  // strings and memory
  "memchr.lo", "memcmp.lo", "memcpy.lo", "memmove.lo", "memrchr.lo", "memset.lo",
  "stpcpy.lo", "strcat.lo", "strchr.lo", "strchrnul.lo", "strcmp.lo", "strcpy.lo", "strlen.lo",
  "strncmp.lo", "strnlen.lo", "strrchr.lo", "strstr.lo", "strncpy.lo", "stpncpy.lo", "strdup.lo", "strerror.lo",
  "__lctrans.lo", "wcrtomb.lo", "wctomb.lo", "mbrtowc.lo", "atoi.lo", "atol.lo", "strtol.lo",
  // formatting and parsing numbers into/out of string FILEs (no real FILE is opened)
  "vfprintf.lo", "vsnprintf.lo", "snprintf.lo", "sprintf.lo", "vsprintf.lo", "fwrite.lo", "__towrite.lo",
  "__toread.lo", "__uflow.lo", "__stdio_exit.lo", "ofl.lo", "shgetc.lo", "floatscan.lo", "intscan.lo", "strtod.lo",
  "__fpclassifyl.lo", "__signbitl.lo", "frexpl.lo", "frexp.lo",
  // sorting, non-local jumps
  "qsort.lo", "qsort_nr.lo", "setjmp.lo", "longjmp.lo",
  // the stack protector's failure path is shimmed; this member only holds the guard
  "__stack_chk_fail.lo",
  // floating point environment and math
  "fenv.lo", "fesetround.lo",
  "__cos.lo", "__sin.lo", "__tan.lo", "__rem_pio2.lo", "__rem_pio2_large.lo", "__expo2.lo",
  "__math_divzero.lo", "__math_invalid.lo", "__math_oflow.lo", "__math_uflow.lo", "__math_xflow.lo",
  "acos.lo", "acosh.lo", "asin.lo", "asinh.lo", "atan.lo", "atan2.lo", "atanh.lo", "cbrt.lo", "ceil.lo",
  "copysign.lo", "copysignl.lo", "cos.lo", "cosh.lo", "exp.lo", "exp2.lo", "exp_data.lo", "exp2f_data.lo", "expm1.lo",
  "fabs.lo", "fabsl.lo", "floor.lo", "fmax.lo", "fmin.lo", "fmod.lo", "fmodl.lo", "hypot.lo", "log.lo",
  "log10.lo", "log1p.lo", "log2.lo", "log2_data.lo", "log_data.lo", "lrint.lo", "pow.lo", "pow_data.lo",
  "round.lo", "scalbn.lo", "scalbnl.lo", "sin.lo", "sinh.lo", "sqrt.lo", "tan.lo", "tanh.lo", "trunc.lo",
  "rint.lo", "nearbyint.lo", "modf.lo", "ldexp.lo",
]);
