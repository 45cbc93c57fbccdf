package api

import (
	"testing"
	"time"
)

func TestKeyedLimiter_RefillsOverTime(t *testing.T) {
	l := newKeyedLimiter(time.Second, 2)
	now := time.Unix(1000, 0)
	for i := 0; i < 2; i++ {
		if ok, _ := l.allow("k", now); !ok {
			t.Fatalf("attempt %d refused within the burst", i+1)
		}
	}
	if ok, wait := l.allow("k", now); ok || wait <= 0 {
		t.Fatalf("third attempt: ok=%v wait=%v, want refused with a wait", ok, wait)
	}
	if ok, _ := l.allow("k", now.Add(1100*time.Millisecond)); !ok {
		t.Fatal("a token should be back after one interval")
	}
}
