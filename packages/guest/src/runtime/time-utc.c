/*
 * Broken-down time, always UTC: a guest has no /etc/localtime and no TZ, and musl's
 * own localtime_r would try to open files. QuickJS uses localtime_r for the local
 * time zone offset, which is therefore 0, like a server running in UTC.
 */
#include <time.h>

/* Civil date from days since 1970-01-01, in the proleptic Gregorian calendar, via
 * 400-year eras of 146097 days that start on March 1st (so leap days end a year). */
static void civil_from_days(long long z, long long *y, int *m, int *d)
{
    z += 719468; /* days from 0000-03-01 to 1970-01-01 */
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;                                   /* [0, 146096] */
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);             /* [0, 365] */
    long long mp = (5 * doy + 2) / 153;                                  /* March = 0 */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(long long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

struct tm *gmtime_r(const time_t *restrict t, struct tm *restrict tm)
{
    long long secs = (long long)*t;
    long long days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    long long year;
    int month, day;
    civil_from_days(days, &year, &month, &day);
    if (year - 1900 > 0x7fffffffLL || year - 1900 < -0x7fffffffLL - 1) return 0;
    static const short before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    tm->tm_year = (int)(year - 1900);
    tm->tm_mon = month - 1;
    tm->tm_mday = day;
    tm->tm_yday = before[month - 1] + day - 1 + (month > 2 && is_leap(year));
    long long wday = (days + 4) % 7; /* 1970-01-01 was a Thursday */
    tm->tm_wday = (int)(wday < 0 ? wday + 7 : wday);
    tm->tm_hour = (int)(rem / 3600);
    tm->tm_min = (int)(rem / 60 % 60);
    tm->tm_sec = (int)(rem % 60);
    tm->tm_isdst = 0;
    tm->tm_gmtoff = 0;
    tm->tm_zone = "UTC";
    return tm;
}

struct tm *localtime_r(const time_t *restrict t, struct tm *restrict tm) { return gmtime_r(t, tm); }

static struct tm shared_tm;
struct tm *gmtime(const time_t *t) { return gmtime_r(t, &shared_tm); }
struct tm *localtime(const time_t *t) { return gmtime_r(t, &shared_tm); }
