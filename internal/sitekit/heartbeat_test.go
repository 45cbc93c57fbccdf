package sitekit

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	testInterval = 50 * time.Millisecond
	testSecret   = "heartbeat-secret"
)

// received is one heartbeat as CMP's endpoint saw it.
type received struct {
	header http.Header
	body   []byte
	beat   Heartbeat
}

// heartbeatReceiver records heartbeats; while failing is set it answers 503
// so the runtime has to retry.
func heartbeatReceiver(t *testing.T, failing *atomic.Bool) (*httptest.Server, <-chan received) {
	t.Helper()
	ch := make(chan received, 64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if failing != nil && failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var b Heartbeat
		_ = json.Unmarshal(body, &b)
		select {
		case ch <- received{header: r.Header.Clone(), body: body, beat: b}:
		default: // the test stopped reading
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

func nextBeat(t *testing.T, ch <-chan received) received {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(2 * time.Second):
		t.Fatal("no heartbeat received")
		return received{}
	}
}

func withHeartbeat(url string) func(*CreateDeploymentRequest) {
	return func(r *CreateDeploymentRequest) { r.HeartbeatURL, r.HeartbeatSecret = url, testSecret }
}

func TestHeartbeat_IsSignedAndVerifiable(t *testing.T) {
	recv, beats := heartbeatReceiver(t, nil)
	h := newHarness(t, RuntimeConfig{HeartbeatInterval: testInterval})
	h.deploy("agt_1", withHeartbeat(recv.URL))

	got := nextBeat(t, beats)
	now := time.Now()
	require.NoError(t, VerifyHeartbeat(testSecret, got.header, got.body, now, time.Minute))
	require.Equal(t, "agt_1", got.beat.DeploymentID)
	require.Equal(t, StatusRunning, got.beat.Status)
	require.WithinDuration(t, now, got.beat.SentAt, 5*time.Second)

	t.Run("ErrSignatureMismatch", func(t *testing.T) {
		tampered := []byte(string(got.body[:len(got.body)-1]) + " }")
		require.ErrorIs(t, VerifyHeartbeat(testSecret, got.header, tampered, now, time.Minute), ErrSignatureMismatch)
		require.ErrorIs(t, VerifyHeartbeat("other-secret", got.header, got.body, now, time.Minute), ErrSignatureMismatch)
	})
	t.Run("ErrStaleTimestamp", func(t *testing.T) {
		later := now.Add(10 * time.Minute)
		require.ErrorIs(t, VerifyHeartbeat(testSecret, got.header, got.body, later, 5*time.Minute), ErrStaleTimestamp)
		earlier := now.Add(-10 * time.Minute)
		require.ErrorIs(t, VerifyHeartbeat(testSecret, got.header, got.body, earlier, 5*time.Minute), ErrStaleTimestamp)
	})
	t.Run("ErrMissingSignature", func(t *testing.T) {
		for _, name := range []string{HeaderTimestamp, HeaderSignature} {
			hdr := got.header.Clone()
			hdr.Del(name)
			require.ErrorIs(t, VerifyHeartbeat(testSecret, hdr, got.body, now, time.Minute), ErrMissingSignature)
		}
	})
	t.Run("ErrNoSecret", func(t *testing.T) {
		require.ErrorIs(t, VerifyHeartbeat("", got.header, got.body, now, time.Minute), ErrNoSecret)
	})
	t.Run("RotatedSecretList", func(t *testing.T) {
		hdr := got.header.Clone()
		hdr.Set(HeaderSignature, "v1=deadbeef, "+got.header.Get(HeaderSignature))
		require.NoError(t, VerifyHeartbeat(testSecret, hdr, got.body, now, time.Minute))
	})
}

func TestHeartbeat_FailedPostIsRetriedWithoutLosingCounts(t *testing.T) {
	var failing atomic.Bool
	failing.Store(true)
	recv, beats := heartbeatReceiver(t, &failing)
	h := newHarness(t, RuntimeConfig{HeartbeatInterval: testInterval})
	h.deploy("agt_1", withHeartbeat(recv.URL))

	for range 3 {
		_, err := h.client.Chat(context.Background(), "agt_1", testKey, "hello")
		require.NoError(t, err)
	}
	time.Sleep(2 * testInterval) // let at least one heartbeat fail
	failing.Store(false)

	first := nextBeat(t, beats).beat
	require.Equal(t, int64(3), first.RequestsTotal)
	require.Equal(t, int64(3), first.RequestsSinceLast, "requests from failed heartbeats carry over")
	require.Equal(t, int64(0), first.ErrorsSinceLast)
	require.Equal(t, map[string]int64{UsageWidgetMessages: 3}, first.Usage)
	require.Greater(t, first.P95LatencyMS, 0.0)

	second := nextBeat(t, beats).beat
	require.Equal(t, int64(3), second.RequestsTotal)
	require.Equal(t, int64(0), second.RequestsSinceLast)
	require.Equal(t, 0.0, second.P95LatencyMS)
}

func TestHeartbeat_StopsOnClose(t *testing.T) {
	recv, beats := heartbeatReceiver(t, nil)
	h := newHarness(t, RuntimeConfig{HeartbeatInterval: testInterval})
	h.deploy("agt_1", withHeartbeat(recv.URL))
	nextBeat(t, beats)

	require.NoError(t, h.rt.Close())
	require.NoError(t, h.rt.Close(), "Close is idempotent")
	for len(beats) > 0 { // drop any delivered before Close returned
		<-beats
	}
	time.Sleep(3 * testInterval)
	require.Empty(t, beats, "no heartbeat after Close")
}

func TestHeartbeat_CloseLeavesNoGoroutines(t *testing.T) {
	base := runtime.NumGoroutine()
	transport := &http.Transport{}
	recv, beats := heartbeatReceiver(t, nil)
	rt, err := NewRuntime(RuntimeConfig{Token: testToken, HeartbeatInterval: testInterval,
		HTTPClient: &http.Client{Transport: transport}})
	require.NoError(t, err)
	srv := httptest.NewServer(rt.Handler())
	c := NewClient(srv.URL, testToken, srv.Client())
	_, err = c.CreateDeployment(context.Background(), CreateDeploymentRequest{
		ID: "agt_1", Package: testPackage, HeartbeatURL: recv.URL, HeartbeatSecret: testSecret})
	require.NoError(t, err)
	nextBeat(t, beats)

	require.NoError(t, rt.Close())
	srv.Close()
	recv.Close()
	transport.CloseIdleConnections()
	// Poll by hand: require.Eventually runs its condition on a goroutine of
	// its own, which would be counted.
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Close, %d before:\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}

func TestSignHeartbeat_MatchesDocumentedScheme(t *testing.T) {
	// hex(HMAC-SHA256("secret", "1700000000.{}")), computed with openssl dgst -hmac.
	require.Equal(t, "v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163",
		SignHeartbeat("secret", 1700000000, []byte("{}")))
}
