package binarydiff

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync/atomic"
	"testing"

	"pgregory.net/rapid"
)

// TestFastShared checks that the shared table of fast's answers gives
// fast's answer for every claim, asked once or again, whatever the claims
// that share its slots.
func TestFastShared(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ob := rapid.SliceOfN(rapid.ByteRange(0, 3), 0, 300).Draw(t, "old")
		nb := slices.Clone(ob)
		for _, i := range rapid.SliceOfN(rapid.IntRange(0, max(0, len(nb)-1)), 0, 8).Draw(t, "changed") {
			if i < len(nb) {
				nb[i]++
			}
		}
		nb = append(nb, rapid.SliceOfN(rapid.ByteRange(0, 3), 0, 20).Draw(t, "appended")...)
		m := &dataMap{ob: ob, nb: nb, sizeDelta: int64(len(nb) - len(ob)), both: func(f, g func()) { f(); g() }}
		for m.prefix < uint32(min(len(ob), len(nb))) && ob[m.prefix] == nb[m.prefix] {
			m.prefix++
		}
		for m.suffix < uint32(min(len(ob), len(nb))) && ob[len(ob)-1-int(m.suffix)] == nb[len(nb)-1-int(m.suffix)] {
			m.suffix++
		}
		m.fastSeen = make([]atomic.Uint64, fastSeenSlots)
		claims := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) [2]uint32 {
			return [2]uint32{rapid.Uint32Range(0, uint32(len(ob))+4).Draw(t, "a"), rapid.Uint32Range(0, uint32(len(nb))+4).Draw(t, "b")}
		}), 1, 50).Draw(t, "claims")
		for round := range 2 {
			for _, c := range claims {
				wa, wo := m.fast(c[0], c[1])
				if ga, gok := m.fastShared(c[0], c[1]); ga != wa || gok != wo {
					t.Fatalf("round %d, claim %v: fastShared %v %v, fast %v %v", round, c, ga, gok, wa, wo)
				}
			}
		}
	})
}

// TestUniqueWordsPicks checks uniqueWordsIn against its definition: the
// words at the positions picks chooses whose hash occurs once, on random
// bytes (with repeats, so that some words are not unique) at every rate
// sampleRate returns.
func TestUniqueWordsPicks(t *testing.T) {
	// Large inputs, which the random ones seldom are: every position of a
	// block of the picking loop, and its tail, is checked.
	x := uint64(7)
	for _, alphabet := range []uint64{2, 8, 256} {
		b := make([]byte, 20000)
		for i := range b {
			x = x*6364136223846793005 + 1442695040888963407
			b[i] = byte(x >> 33 % alphabet)
		}
		for rate := uint(3); rate <= 6; rate++ {
			skip := []ByteRange{{Off: 3000, Size: 100}, {Off: 9001, Size: 7}}
			if got, want := uniqueWordsIn(b, outside(5, len(b)-3, skip), rate), uniqueWordsDef(b, 5, len(b)-3, skip, rate); !slices.Equal(got, want) {
				t.Fatalf("alphabet %d, rate %d: uniqueWordsIn has %d words, its definition %d", alphabet, rate, len(got), len(want))
			}
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SliceOfN(rapid.ByteRange(0, 7), 0, 4096).Draw(t, "b")
		if rapid.Bool().Draw(t, "wide") {
			b = rapid.SliceOfN(rapid.Byte(), 0, 4096).Draw(t, "wideb")
		}
		lo := rapid.IntRange(0, len(b)).Draw(t, "lo")
		hi := rapid.IntRange(lo, len(b)).Draw(t, "hi")
		rate := uint(rapid.IntRange(3, 6).Draw(t, "rate"))
		// Words that overlap a skipped range are left out.
		var skip []ByteRange
		for off := 0; rapid.Bool().Draw(t, "more") && off < len(b); {
			r := ByteRange{Off: uint32(rapid.IntRange(off, len(b)).Draw(t, "off")), Size: uint32(rapid.IntRange(1, 64).Draw(t, "size"))}
			skip = append(skip, r)
			off = int(r.Off+r.Size) + 1
		}
		if got, want := uniqueWordsIn(b, outside(lo, hi, skip), rate), uniqueWordsDef(b, lo, hi, skip, rate); !slices.Equal(got, want) && len(got)+len(want) > 0 {
			t.Fatalf("uniqueWordsIn(rate %d, outside %v) = %x, want %x", rate, skip, got, want)
		}
	})
}

// uniqueWordsDef is uniqueWordsIn by its definition: the sampled words of
// b[lo:hi] that overlap no range of skip, whose hash occurs once among
// them, sorted.
func uniqueWordsDef(b []byte, lo, hi int, skip []ByteRange, rate uint) []uint64 {
	skipped := func(i int) bool {
		return slices.ContainsFunc(skip, func(r ByteRange) bool { return i < int(r.Off+r.Size) && int(r.Off) < i+8 })
	}
	count := map[uint64]int{}
	var keys []uint64
	for i := lo; i+8 <= hi; i++ {
		if picks(b[i], b[i+1], rate) && !skipped(i) {
			h := mix64(binary.LittleEndian.Uint64(b[i:])) >> wordPosBits
			count[h]++
			keys = append(keys, h<<wordPosBits|uint64(i))
		}
	}
	var want []uint64
	for _, k := range keys {
		if count[k>>wordPosBits] == 1 {
			want = append(want, k)
		}
	}
	slices.Sort(want)
	return want
}

// TestOutside checks outside against its definition: the positions of
// [lo, hi) that no skipped range covers, as sorted, disjoint, non-empty
// spans.
func TestOutside(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 300).Draw(t, "n")
		lo := rapid.IntRange(0, n).Draw(t, "lo")
		hi := rapid.IntRange(lo, n).Draw(t, "hi")
		var skip []ByteRange
		for off := 0; off < n+10 && rapid.Bool().Draw(t, "more"); {
			r := ByteRange{Off: uint32(rapid.IntRange(off, n+10).Draw(t, "off")), Size: uint32(rapid.IntRange(1, 40).Draw(t, "size"))}
			skip = append(skip, r)
			off = int(r.Off+r.Size) + rapid.IntRange(0, 1).Draw(t, "gap") // touching ranges too
		}
		want := make([]bool, n)
		for i := lo; i < hi; i++ {
			want[i] = !slices.ContainsFunc(skip, func(r ByteRange) bool { return int(r.Off) <= i && i < int(r.Off+r.Size) })
		}
		got := make([]bool, n)
		prev := -1
		for _, sp := range outside(lo, hi, skip) {
			if sp[0] >= sp[1] || sp[0] <= prev {
				t.Fatalf("outside(%d, %d, %v): span %v empty or not after %d", lo, hi, skip, sp, prev)
			}
			prev = sp[1]
			for i := sp[0]; i < sp[1]; i++ {
				got[i] = true
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("outside(%d, %d, %v) = %v", lo, hi, skip, outside(lo, hi, skip))
		}
	})
}

// BenchmarkUniqueWords measures uniqueWordsIn over 4 MB of data words
// and strings at the sampling rate of a 24 MB section (gopls.exe's .rdata is 16 MB).
func BenchmarkUniqueWords(b *testing.B) {
	p := make([]byte, 4<<20)
	x := uint64(1)
	for i := 0; i+8 <= len(p); i += 8 {
		x = x*6364136223846793005 + 1442695040888963407
		binary.LittleEndian.PutUint64(p[i:], x>>(x>>61)) // words of varied width, many with zero bytes
	}
	b.SetBytes(int64(len(p)))
	for range b.N {
		uniqueWordsIn(p, [][2]int{{0, len(p)}}, sampleRate(24<<20))
	}
}

// TestIncreasingChain checks increasingChain against patience sorting
// written plainly (each pair's place among the chains' ends searched
// through the pairs): the same chain, increasing in both offsets, on
// random pairs, mostly in order as the words of data that moved are.
func TestIncreasingChain(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 300).Draw(t, "n")
		news := rapid.Permutation(seqUint32(4*n)).Draw(t, "news")[:n]
		if rapid.Bool().Draw(t, "mostly in order") {
			slices.Sort(news)
			for range rapid.IntRange(0, 10).Draw(t, "swaps") {
				if n > 1 {
					i, j := rapid.IntRange(0, n-1).Draw(t, "i"), rapid.IntRange(0, n-1).Draw(t, "j")
					news[i], news[j] = news[j], news[i]
				}
			}
		}
		pairs := make([]dataAnchor, n)
		for i := range pairs {
			pairs[i] = dataAnchor{old: uint32(3 * i), new: news[i]}
		}
		got, want := increasingChain(pairs), patienceChain(pairs)
		if !slices.Equal(got, want) {
			t.Fatalf("increasingChain(%v) = %v, want %v", pairs, got, want)
		}
		for i := 1; i < len(got); i++ {
			if got[i].old <= got[i-1].old || got[i].new <= got[i-1].new {
				t.Fatalf("chain not increasing at %d: %v", i, got)
			}
		}
	})
}

// patienceChain is increasingChain without its shortcuts.
func patienceChain(pairs []dataAnchor) []dataAnchor {
	var tails []int
	prev := make([]int, len(pairs))
	for i, pr := range pairs {
		k := sort.Search(len(tails), func(k int) bool { return pairs[tails[k]].new >= pr.new })
		prev[i] = -1
		if k > 0 {
			prev[i] = tails[k-1]
		}
		if k == len(tails) {
			tails = append(tails, i)
		} else {
			tails[k] = i
		}
	}
	if len(tails) == 0 {
		return nil
	}
	var chain []dataAnchor
	for i := tails[len(tails)-1]; i >= 0; i = prev[i] {
		chain = append(chain, pairs[i])
	}
	slices.Reverse(chain)
	return chain
}

func seqUint32(n int) []uint32 {
	s := make([]uint32, n)
	for i := range s {
		s[i] = uint32(i)
	}
	return s
}

// TestDataPointerIDInferred checks, on a Go program for Windows built
// with -buildmode=exe (no relocations: its pointers are inferred), that the name of the data a
// pointer points to does not depend on the addresses inside that data
// (they differ wherever the data they point to moved), and does depend on
// its other bytes.
func TestDataPointerIDInferred(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	path := GoFixtureMode(t, "v1", "exe")
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b := openOther(t, path)
	if len(b.relocs.rvas) > 0 {
		t.Fatal("relocations in a -buildmode=exe program")
	}
	s := b.Section(b.Sections[slices.IndexFunc(b.Sections, func(s Section) bool { return s.Name == ".data" })].RVA)
	// A word of .data that holds an address in the image, followed by a
	// word that does not.
	at := -1
	for o := uint32(0); o+16 <= s.FileSize && at < 0; o += 8 {
		w := binary.LittleEndian.Uint64(file[s.Offset+int64(o):])
		next := binary.LittleEndian.Uint64(file[s.Offset+int64(o)+8:])
		_, ok := imageAddress(b, w)
		_, nok := imageAddress(b, next)
		if _, ok2 := imageAddress(b, w+8); ok && ok2 && !nok && next != 0 {
			at = int(o)
		}
	}
	if at < 0 {
		t.Fatal("no pointer followed by a non-zero number in .data")
	}
	id := func(edit func(p []byte)) uint64 {
		p := slices.Clone(file)
		edit(p[s.Offset+int64(at):])
		out := filepath.Join(t.TempDir(), "edited.exe")
		if err := os.WriteFile(out, p, 0o644); err != nil {
			t.Fatal(err)
		}
		return dataPointerID(openOther(t, out), s.RVA+uint32(at))
	}
	same := id(func([]byte) {})
	if got := id(func(p []byte) { binary.LittleEndian.PutUint64(p, binary.LittleEndian.Uint64(p)+8) }); got != same {
		t.Errorf("the pointer inside the data changes its name: %#x, was %#x", got, same)
	}
	if got := id(func(p []byte) { p[8] ^= 1 }); got == same {
		t.Errorf("a changed number inside the data leaves its name")
	}
}
