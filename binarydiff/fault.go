package binarydiff

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sync/atomic"
)

// ErrFileChanged is returned (wrapped) when reading a memory-mapped image
// faulted: the file shrank (was truncated or replaced in place) after
// Open mapped it. The Binary is then unusable; close it and open the file
// again.
var ErrFileChanged = errors.New("binarydiff: mapped file changed while in use")

// faultError is a memory fault on a mapped image, recovered (see
// catchFault) instead of killing the process with SIGBUS.
type faultError struct{ addr uintptr }

func (e *faultError) Error() string {
	return fmt.Sprintf("%v (fault at address %#x)", ErrFileChanged, e.addr)
}

func (e *faultError) Unwrap() error { return ErrFileChanged }

// asFault returns the faultError a recovered panic value stands for, or
// nil when it is not a memory fault. A fault panics (once
// debug.SetPanicOnFault is set on the goroutine) with a runtime.Error
// that has an Addr method.
func asFault(r any) *faultError {
	switch v := r.(type) {
	case *faultError:
		return v
	case interface{ Addr() uintptr }:
		return &faultError{addr: v.Addr()}
	}
	return nil
}

// catchFault is deferred by the entry points that read mapped images, as
//
//	defer catchFault(debug.SetPanicOnFault(true), &err)
//
// It restores the goroutine's previous fault setting and turns a memory
// fault (one of its own, or one a worker relayed) into *err. Other panics
// go on.
func catchFault(prev bool, err *error) {
	r := recover()
	debug.SetPanicOnFault(prev)
	if r == nil {
		return
	}
	if e := asFault(r); e != nil {
		*err = e
		return
	}
	panic(r)
}

// faultRelay carries a memory fault from worker goroutines to the one
// that waits for them, where an entry point's catchFault turns it into an
// error. Each worker defers relay.catch(debug.SetPanicOnFault(true)); the
// waiter calls relay.rethrow after the workers are done.
type faultRelay struct{ err atomic.Pointer[faultError] }

// catch restores the goroutine's fault setting and records a memory
// fault; other panics go on.
func (f *faultRelay) catch(prev bool) {
	r := recover()
	debug.SetPanicOnFault(prev)
	if r == nil {
		return
	}
	if e := asFault(r); e != nil {
		f.err.CompareAndSwap(nil, e)
		return
	}
	panic(r)
}

// rethrow panics with the first fault recorded, if any.
func (f *faultRelay) rethrow() {
	if e := f.err.Load(); e != nil {
		panic(e)
	}
}
