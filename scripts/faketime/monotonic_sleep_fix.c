/* Preloaded before libfaketime by scripts/check-dates.sh.
 *
 * libfaketime 0.9.10 (Debian) breaks clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) when
 * FAKETIME_DONT_FAKE_MONOTONIC=1: it shifts the monotonic deadline by the fake offset and
 * the kernel answers EINVAL (wolfcw/libfaketime#426). Python >= 3.11 sleeps that way
 * (time.sleep, subprocess's wait with a timeout). The monotonic clock is not faked here, so
 * its sleeps go straight to the kernel; every other clock still goes through libfaketime.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int clock_nanosleep(clockid_t id, int flags, const struct timespec *req, struct timespec *rem)
{
    static int (*next)(clockid_t, int, const struct timespec *, struct timespec *);
    if (id == CLOCK_MONOTONIC) {
        /* clock_nanosleep returns the error number, it does not set errno. */
        return syscall(SYS_clock_nanosleep, id, flags, req, rem) == 0 ? 0 : errno;
    }
    if (next == NULL) {
        next = (int (*)(clockid_t, int, const struct timespec *, struct timespec *))dlsym(
            RTLD_NEXT, "clock_nanosleep");
    }
    return next(id, flags, req, rem);
}
