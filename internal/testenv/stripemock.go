package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"
)

// stripeMockStartTimeout bounds how long stripe-mock may take to load its
// bundled OpenAPI spec and start listening; it usually takes well under a second.
const stripeMockStartTimeout = 30 * time.Second

// stripeMockListening matches the line stripe-mock prints once its HTTP
// listener is open, e.g. "Listening for HTTP at address: 127.0.0.1:41234". The
// newline makes sure a write cut mid-line does not yield half a port number.
var stripeMockListening = regexp.MustCompile(`Listening for HTTP at address: (\S+)\r?\n`)

// StartStripeMock starts the repository's bin/stripe-mock for the calling test
// and returns its HTTP base URL, e.g. "http://127.0.0.1:41234". The process is
// stopped in t.Cleanup. A missing binary fails the test rather than skipping
// it, so a machine without the tool cannot pass by running less.
func StartStripeMock(t testing.TB) (baseURL string) {
	t.Helper()
	root, err := stripeMockRepoRoot()
	if err != nil {
		t.Fatalf("stripe-mock: %v", err)
	}
	bin := filepath.Join(root, "bin", "stripe-mock")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("bin/stripe-mock missing: run `make tools` (%v)", err)
	}

	// Both listeners get a loopback address with a port the kernel picks: there
	// is no window in which another process can take a port we chose, and with
	// only one flag given stripe-mock opens the other on its fixed default port
	// on every interface, where parallel test packages would collide.
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	out := &stripeMockOutput{addr: make(chan string, 1)}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start stripe-mock: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})

	var addr string
	select {
	case addr = <-out.addr:
	case err := <-exited:
		exited <- err // let Cleanup's receive return
		t.Fatalf("stripe-mock exited before listening (%v); output:\n%s", err, out)
	case <-time.After(stripeMockStartTimeout):
		t.Fatalf("stripe-mock did not listen within %s; output:\n%s", stripeMockStartTimeout, out)
	}
	if err := waitForPort(addr, stripeMockStartTimeout); err != nil {
		t.Fatalf("stripe-mock: %v; output:\n%s", err, out)
	}
	return "http://" + addr
}

// waitForPort dials addr until it accepts a connection or timeout passes.
func waitForPort(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return conn.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("port %s not accepting connections after %s: %w", addr, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stripeMockOutput collects stripe-mock's output for failure messages and
// reports the HTTP address once it is announced.
type stripeMockOutput struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	addr chan string
	sent bool
}

// stripeMockOutputLimit caps what is kept; the announcement comes in the first
// few lines, and a verbose stripe-mock could otherwise grow without bound.
const stripeMockOutputLimit = 64 << 10

// Write implements io.Writer for the child's stdout and stderr.
func (o *stripeMockOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if room := stripeMockOutputLimit - o.buf.Len(); room > 0 {
		o.buf.Write(p[:min(len(p), room)])
	}
	if !o.sent {
		if m := stripeMockListening.FindSubmatch(o.buf.Bytes()); m != nil {
			o.addr <- string(m[1])
			o.sent = true
		}
	}
	return len(p), nil
}

// String returns the output collected so far.
func (o *stripeMockOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// stripeMockRepoRoot walks up from the working directory (a test's package
// directory) to the directory holding go.mod.
func stripeMockRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod in the working directory or any parent")
		}
		dir = parent
	}
}
