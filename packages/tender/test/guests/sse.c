/* Floating point and SSE at CPL3: the runtime's QuickJS needs both. */
#include "guest.h"

MIRAGE_ABI_NOTE();

typedef double v2df __attribute__((vector_size(16)));

int main(int argc, char **argv)
{
    (void)argv;
    volatile double x = 2.0 + argc; /* not constant-folded */
    double root = __builtin_sqrt(x * 8.0); /* sqrtsd */
    v2df a = {1.5, 2.5}, b = {x, x};
    v2df c = a * b; /* mulpd */
    double sum = 0;
    for (int i = 1; i <= 1000; i++) sum += 1.0 / (double)i; /* harmonic number */
    put("sqrt ");
    put_u64((uint64_t)(root * 1000.0));
    put("\nvec ");
    put_u64((uint64_t)(c[0] * 10.0));
    put(" ");
    put_u64((uint64_t)(c[1] * 10.0));
    put("\nharmonic ");
    put_u64((uint64_t)(sum * 1e6));
    put("\n");
    return 0;
}
