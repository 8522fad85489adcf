//go:build !linux

package s3test

import "syscall"

// sysProcAttr has nothing to add outside Linux: a server left by a crashed
// test binary has to be stopped by hand.
func sysProcAttr() *syscall.SysProcAttr { return nil }
