package hotpatch_test

import (
	"errors"
	"fmt"

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
