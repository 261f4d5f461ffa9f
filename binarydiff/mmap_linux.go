package binarydiff

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mapping is a read-only memory map of a file. Unlike
// golang.org/x/exp/mmap, which it replaces on Linux, it lends its bytes
// (view), can give back pages already read (release), so decoding a large
// image does not keep all of it resident, and maps pieces copy-on-write
// (private).
type mapping struct {
	data    []byte
	f       *os.File // kept open for copy-on-write views (see private)
	cleanup runtime.Cleanup
}

func openMapping(path string) (*mapping, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	size := fi.Size()
	if size == 0 {
		f.Close()
		return &mapping{}, nil
	}
	if size < 0 || size != int64(int(size)) {
		f.Close()
		return nil, fmt.Errorf("%s: file size %d cannot be mapped", path, size)
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		f.Close()
		return nil, &os.PathError{Op: "mmap", Path: path, Err: err}
	}
	m := &mapping{data: data, f: f}
	// A Binary dropped without Close still unmaps, eventually (the file
	// closes itself the same way).
	m.cleanup = runtime.AddCleanup(m, func(d []byte) { unix.Munmap(d) }, data)
	return m, nil
}

// private returns a writable copy of the n bytes at off, mapped
// copy-on-write: only the pages written to take memory of their own, the
// rest are the file's cached pages. free unmaps it. ok is false if the
// bytes are not all in the file or the system refuses.
func (m *mapping) private(off, n int64) (p []byte, free func(), ok bool) {
	if m.f == nil || off < 0 || n <= 0 || off > int64(len(m.data)) || n > int64(len(m.data))-off {
		return nil, nil, false
	}
	start := off &^ (pageSize - 1)
	d, err := unix.Mmap(int(m.f.Fd()), start, int(off-start+n), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return nil, nil, false
	}
	return d[off-start:], func() { unix.Munmap(d) }, true
}

var pageSize = int64(os.Getpagesize())

func (m *mapping) Len() int { return len(m.data) }

// ReadAt implements io.ReaderAt.
func (m *mapping) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(m.data)) {
		return 0, fmt.Errorf("mmap: invalid ReadAt offset %d", off)
	}
	// Large reads are copied a piece at a time: one long copy cannot be
	// preempted, and would hold up the garbage collector (and every
	// goroutine waiting on it) while it faults the pages in.
	n := 0
	for n < len(p) && off+int64(n) < int64(len(m.data)) {
		n += copy(p[n:min(len(p), n+copyStep)], m.data[off+int64(n):])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// view returns the n bytes at off without copying them, or nil if they
// are not all in the file. The slice is valid until Close.
func (m *mapping) view(off, n int64) []byte {
	if off < 0 || n < 0 || off > int64(len(m.data)) || n > int64(len(m.data))-off {
		return nil
	}
	return m.data[off : off+n : off+n]
}

// copyStep is the most ReadAt copies at once.
const copyStep = 1 << 20

// Close unmaps the file.
func (m *mapping) Close() error {
	if m.data == nil {
		return nil
	}
	m.cleanup.Stop()
	d := m.data
	m.data = nil
	m.f.Close()
	return unix.Munmap(d)
}

// release tells the kernel that the whole pages inside [off, off+n) are not
// needed for now: they leave the process's resident set (they stay in the
// page cache) and a later read maps them again.
func (m *mapping) release(off, n int64) {
	lo := (off + pageSize - 1) &^ (pageSize - 1)
	hi := min(off+n, int64(len(m.data))) &^ (pageSize - 1)
	if lo >= 0 && lo < hi {
		unix.Madvise(m.data[lo:hi], unix.MADV_DONTNEED)
	}
}

// prefault maps in, with one system call, the whole pages of memory behind
// s (up to its capacity), and returns s. It is for a large table about to
// be filled: on a virtual machine the first touch of each 4 KiB page is a
// fault that can cost more than the work done on the page (13 µs on the
// development VM, 0.4 s for 128 MiB), while mapping them in at once costs
// 20 times less. Contents do not change. Kernels before 5.14 refuse
// MADV_POPULATE_WRITE, and s is then faulted in as it is written.
func prefault[T any](s []T) []T {
	n := uintptr(cap(s)) * unsafe.Sizeof(*new(T))
	if n < prefaultMin {
		return s
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	lo, hi := (p+uintptr(pageSize)-1)&^uintptr(pageSize-1), (p+n)&^uintptr(pageSize-1)
	if lo < hi {
		madvisePopulate(lo, hi-lo)
	}
	return s
}

// prefaultMin is the least memory worth a system call to map in.
const prefaultMin = 64 << 10

// madvisePopulate asks the kernel to map in, writable, the n bytes of
// pages at addr (MADV_POPULATE_WRITE, Linux 5.14; older kernels refuse it
// and the pages fault in as they are written). The memory is not a Go
// slice this package can hand to unix.Madvise without the caller's
// bounds, hence the raw address.
func madvisePopulate(addr, n uintptr) {
	unix.Syscall(unix.SYS_MADVISE, addr, n, unix.MADV_POPULATE_WRITE)
}

// populateAt maps in, writable, the pages of p (memory this package
// mapped) that hold p[r-base : r-base+w] for each of the sorted rs: a
// system call per run of consecutive pages. Through a copy-on-write
// mapping each page written to otherwise costs a fault of its own.
func populateAt(p []byte, rs []uint32, base, w uint32) {
	if len(p) == 0 {
		return
	}
	start, ps := uintptr(unsafe.Pointer(&p[0])), uintptr(pageSize)
	var lo, hi uintptr // the run of pages being gathered
	flush := func() {
		if lo < hi {
			madvisePopulate(lo, hi-lo)
		}
	}
	for _, r := range rs {
		o := uintptr(r - base)
		if r < base || o+uintptr(w) > uintptr(len(p)) {
			continue
		}
		a, z := (start+o)&^(ps-1), (start+o+uintptr(w)+ps-1)&^(ps-1)
		if lo < hi && a <= hi {
			hi = max(hi, z)
			continue
		}
		flush()
		lo, hi = a, z
	}
	flush()
}
