//go:build unix

package devserver

import (
	"os"
	"syscall"
)

// signalGroup sends SIGTERM (or SIGKILL) to the process group p leads, so
// nothing the CLI started outlives it.
func signalGroup(p *os.Process, kill bool) error {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	return syscall.Kill(-p.Pid, sig)
}
