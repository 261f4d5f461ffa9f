package eligibility

import (
	"github.com/patchmodel/patchmodel/hotpatch"
)

// An Assessment is a judgement, made outside the catalog, of whether an
// update's changes can be applied to running code without a restart — for
// example by comparing the old and new binaries function by function.
// Package binarydiff can satisfy it without this package importing
// binarydiff.
type Assessment interface {
	// Patchable reports whether every change can be hotpatched.
	Patchable() bool
	// Blockers describes the changes that prevent it, for reasons; empty
	// when Patchable.
	Blockers() []string
}

// undecided is implemented by an Assessment that can say it could not
// tell whether every change can be hotpatched (binarydiff's Unknown
// verdict): Patchable is false then, but nothing was found that blocks.
type undecided interface {
	Undecided() bool
}

// isUndecided reports whether a says it could not tell.
func isUndecided(a Assessment) bool {
	u, ok := a.(undecided)
	return ok && u.Undecided()
}

// CheckUpdate says whether update u installs as a hotpatch, without a
// restart.
//
// The catalog's word comes first: a hotpatch, or an out-of-band release that
// needs no restart, passes; a baseline, cumulative update or preview fails
// [S1c, S3]. Only when the catalog does not know the kind (a release not yet
// in it) does the assessment a, if not nil, decide — and a finding based on
// it is marked Disputed, because it is an inference, not Microsoft's word.
// When the catalog says hotpatch and a says a change cannot be hotpatched,
// the finding is Unknown and Disputed. An assessment that could not tell
// (it has an Undecided method that says so) disputes nothing, and decides
// nothing: for a release the catalog does not know, the finding is
// Unknown.
func CheckUpdate(u hotpatch.Update, a Assessment) Finding {
	var catalog Outcome
	switch u.Kind {
	case hotpatch.KindHotpatch:
		catalog = Pass
	case hotpatch.KindOutOfBand:
		catalog = Fail
		if !u.Restart {
			catalog = Pass
		}
	case hotpatch.KindBaseline, hotpatch.KindLCU, hotpatch.KindPreview:
		catalog = Fail
	}
	switch {
	case catalog == Pass && a != nil && !a.Patchable() && !isUndecided(a):
		return DisputedBecause("the catalog lists a hotpatch, but the binary assessment finds changes that cannot be hotpatched")
	case catalog == Pass:
		return PassBecause("a hotpatch release: installs without a restart")
	case catalog == Fail:
		return FailBecause("not a hotpatch release: installing it restarts the device")
	case a == nil:
		return UnknownBecause("the release's kind is not known and there is no binary assessment")
	case a.Patchable():
		return DisputedBecause("not in the catalog as a hotpatch; the binary assessment finds every change hotpatchable")
	case isUndecided(a):
		return UnknownBecause("not in the catalog as a hotpatch; the binary assessment cannot tell whether every change is hotpatchable")
	}
	return DisputedBecause("not in the catalog as a hotpatch; the binary assessment finds changes that cannot be hotpatched")
}
