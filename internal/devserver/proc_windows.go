package devserver

import (
	"os"
	"syscall"
)

// sysProcAttr has nothing to set on Windows.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// signalGroup kills the process: Windows has no SIGTERM to ask politely with.
func signalGroup(p *os.Process, _ bool) error { return p.Kill() }
