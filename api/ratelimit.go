package api

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/cmp-platform/cmp/internal/errs"
)

// keyedLimiter is a token bucket per key (an email, a client address), so one
// guessed account or one noisy client is slowed without slowing anyone else.
// It is per process: behind a load balancer each API replica counts alone,
// which still bounds guessing to replicas × rate.
type keyedLimiter struct {
	mu      sync.Mutex
	every   time.Duration
	burst   int
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newKeyedLimiter(every time.Duration, burst int) *keyedLimiter {
	return &keyedLimiter{every: every, burst: burst, buckets: map[string]*bucket{}}
}

// allow takes a token for key; when none is left it says how long until one is.
func (l *keyedLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buckets) > 10000 {
		// Forget idle keys so the map stays bounded under a spray of addresses.
		for k, b := range l.buckets {
			if now.Sub(b.seen) > time.Duration(l.burst)*l.every {
				delete(l.buckets, k)
			}
		}
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(rate.Every(l.every), l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// limit refuses a request with 429 rate_limited when any of its keys is spent.
func limit(c *gin.Context, l *keyedLimiter, keys ...string) bool {
	now := time.Now()
	for _, k := range keys {
		if ok, wait := l.allow(k, now); !ok {
			secs := int(wait/time.Second) + 1
			c.Header("Retry-After", strconv.Itoa(secs))
			fail(c, errs.New(errs.RateLimited, "too many attempts; try again in %d s", secs))
			return false
		}
	}
	return true
}

// loginLimits allow a burst of 10 sign-in attempts per account and 30 per client
// address, then one every 6 s (per account) or 2 s (per address): plenty for
// people, too slow for guessing passwords.
type loginLimits struct {
	byEmail, byIP *keyedLimiter
}

func newLoginLimits() loginLimits {
	return loginLimits{byEmail: newKeyedLimiter(6*time.Second, 10), byIP: newKeyedLimiter(2*time.Second, 30)}
}

func loginKeys(c *gin.Context, email string) (string, string) {
	return "email:" + strings.ToLower(strings.TrimSpace(email)), "ip:" + c.ClientIP()
}
