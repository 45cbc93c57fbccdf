package devserver

import "syscall"

// sysProcAttr puts the server in its own process group, and has the kernel end
// it if cmpd dies without stopping it (so a killed `cmpd dev` does not leave a
// server holding the port and the database file).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
