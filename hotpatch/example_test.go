package hotpatch_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/patchmodel/patchmodel/hotpatch"
)

func ExampleParseBuild() {
	b, err := hotpatch.ParseBuild("26100.2894")
	if err != nil {
		panic(err)
	}
	fmt.Println(b, b.Short())

	_, err = hotpatch.ParseBuild("10.0.abc")
	fmt.Println(errors.Is(err, hotpatch.ErrSyntax))
	// Output:
	// 10.0.26100.2894 26100.2894
	// true
}

func ExampleBuild_Release() {
	b := hotpatch.MustParseBuild("10.0.26100.4851")
	client, _ := b.Release(hotpatch.EditionEnterprise)
	server, _ := b.Release(hotpatch.EditionServerDatacenter)
	_, err := b.Release(hotpatch.EditionUnknown)
	fmt.Println(client)
	fmt.Println(server)
	fmt.Println(err)
	// Output:
	// Windows 11 24H2
	// Windows Server 2025
	// hotpatch: build 26100 is Windows 11 24H2 or Windows Server 2025: ambiguous release
}

func ExampleCatalog() {
	c := hotpatch.Embedded()
	u, _ := c.ByBuild(hotpatch.MustParseBuild("26100.4851"))
	base, _ := c.BaselineOf(u)
	fmt.Println(u.KB, u.Kind, "needs restart:", u.Restart)
	fmt.Println("builds on", base.KB, base.Build().Short())

	latest, _ := c.Latest(hotpatch.TrackWindows11, hotpatch.KindBaseline, hotpatch.Date{Year: 2026, Month: 3, Day: 1})
	fmt.Println("baseline in force on 2026-03-01:", latest.KB)
	// Output:
	// KB5064010 Hotpatch needs restart: false
	// builds on KB5062553 26100.4652
	// baseline in force on 2026-03-01: KB5074109
}

func ExampleCatalog_Protected() {
	c := hotpatch.Embedded()
	// CVE-2025-53779 was fixed in August 2025 by LCU 26100.4946 or hotpatch 26100.4851.
	hotpatched := hotpatch.MustParseBuild("26100.4851")
	fixed := hotpatch.MustParseBuild("26100.4946")
	fmt.Println("naive revision check:", hotpatched.Compare(fixed) >= 0)
	ok, _ := c.Protected(hotpatched, fixed)
	fmt.Println("catalog says:", ok)
	// Output:
	// naive revision check: false
	// catalog says: true
}

// Load the rows Microsoft published after a catalog was written on top of
// it. Here the catalog is the embedded one as it stood before May 2026, and
// the new rows are May 2026's Windows 11 releases, as in data/catalog.json.
// A row that contradicts a known one is a *ConflictError.
func ExampleCatalog_Merge() {
	var april []hotpatch.Update
	for u := range hotpatch.Embedded().All() {
		if u.Released.Before(hotpatch.Date{Year: 2026, Month: 5, Day: 1}) {
			april = append(april, u)
		}
	}
	c, err := hotpatch.NewCatalog(april)
	if err != nil {
		panic(err)
	}
	const may = `[
  {"kb": "KB5089466", "tracks": ["windows11"], "builds": ["26100.8390", "26200.8390"],
   "released": "2026-05-12", "kind": "hotpatch", "restart": false, "baseline": "KB5083769", "source": "S22 S23"},
  {"kb": "KB5089549", "tracks": ["windows11"], "builds": ["26100.8457", "26200.8457"],
   "released": "2026-05-12", "kind": "lcu", "restart": true, "source": "S22 S23"}
]`
	c, err = c.Merge(strings.NewReader(may))
	if err != nil {
		panic(err)
	}
	u, err := c.Latest(hotpatch.TrackWindows11, hotpatch.KindHotpatch, hotpatch.Date{Year: 2026, Month: 5, Day: 31})
	fmt.Println(u, err)

	wrong := strings.Replace(may, `"26100.8390"`, `"26100.8391"`, 1)
	_, err = c.Merge(strings.NewReader(wrong))
	var conflict *hotpatch.ConflictError
	if errors.As(err, &conflict) {
		fmt.Println("conflict:", conflict.Existing.Build().Short(), "known,", conflict.New.Build().Short(), "new")
	}
	// Output:
	// KB5089466 hotpatch 26100.8390 2026-05-12 <nil>
	// conflict: 26100.8390 known, 26100.8391 new
}
