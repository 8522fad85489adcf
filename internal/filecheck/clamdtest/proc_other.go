//go:build !linux

package clamdtest

import "syscall"

// sysProcAttr has nothing to add outside Linux: a clamd left by a crashed
// test binary has to be stopped by hand.
func sysProcAttr() *syscall.SysProcAttr { return nil }
