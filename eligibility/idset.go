package eligibility

// An idSet remembers 64-bit hashes of device IDs and the line each was
// first seen on, for duplicate detection over inventories of millions of
// rows. It is an open-addressing table with linear probing: a lookup and an
// insert share one probe sequence, so each row costs about one cache miss,
// where a Go map lookup followed by an assignment costs two.
type idSet struct {
	slots []idSlot
	n     int
}

type idSlot struct {
	h    uint64 // hash | 1, so that 0 marks an empty slot
	line int32
}

// add records h at line and returns 0, or returns the line h was first
// recorded at.
func (s *idSet) add(h uint64, line int32) int32 {
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	h |= 1
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i].h {
		case 0:
			s.slots[i] = idSlot{h, line}
			s.n++
			return 0
		case h:
			return s.slots[i].line
		}
	}
}

func (s *idSet) grow() {
	old := s.slots
	s.slots = make([]idSlot, max(1024, 2*len(old)))
	mask := uint64(len(s.slots) - 1)
	for _, e := range old {
		if e.h == 0 {
			continue
		}
		i := e.h & mask
		for s.slots[i].h != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = e
	}
}
