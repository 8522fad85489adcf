package clamdtest

import "syscall"

// sysProcAttr kills clamd when the process that started it ends.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
