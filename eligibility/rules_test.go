package eligibility

import (
	"fmt"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/hotpatch"
)

var (
	may2026  = hotpatch.Date{Year: 2026, Month: 5, Day: 20}
	sep2025  = hotpatch.Date{Year: 2025, Month: 9, Day: 20}
	mar2025  = hotpatch.Date{Year: 2025, Month: 3, Day: 20}
	june2026 = hotpatch.Date{Year: 2026, Month: 6, Day: 20}
	aug2026  = hotpatch.Date{Year: 2026, Month: 8, Day: 20}
	dec2026  = hotpatch.Date{Year: 2026, Month: 12, Day: 7}
)

// Devices that pass every rule of their track on may2026.
var (
	goodClient = hotpatch.Device{
		ID: "pc", Build: hotpatch.MustParseBuild("26100.8246"), Edition: hotpatch.EditionEnterprise,
		Arch: hotpatch.ArchX64, Firmware: hotpatch.FirmwareUEFI, SecureBoot: hotpatch.True,
		VBS: hotpatch.VBSRunning, Management: hotpatch.ManagementIntune, License: hotpatch.LicenseE3,
		HotpatchPolicy: hotpatch.True,
	}
	goodServer2025 = hotpatch.Device{
		ID: "srv", Build: hotpatch.MustParseBuild("26100.32690"), Edition: hotpatch.EditionServerDatacenter,
		Arch: hotpatch.ArchX64, Firmware: hotpatch.FirmwareUEFI, SecureBoot: hotpatch.True,
		VBS: hotpatch.VBSRunning, Management: hotpatch.ManagementAzureArc, HotpatchPolicy: hotpatch.True,
	}
	goodServer2022 = hotpatch.Device{
		ID: "vm", Build: hotpatch.MustParseBuild("20348.5020"), Edition: hotpatch.EditionServerAzureEdition,
		Arch: hotpatch.ArchX64, Management: hotpatch.ManagementAzure, HotpatchPolicy: hotpatch.True,
	}
)

// A ruleCase is one row of the documentation turned into a test: the source
// it comes from, the device fact changed from a good device, and the
// outcome the rule must give.
type ruleCase struct {
	source   string // the source tags of the documented fact
	rule     string
	day      hotpatch.Date // zero: may2026
	change   func(d *hotpatch.Device)
	want     Outcome
	disputed bool
}

func set[T any](p func(d *hotpatch.Device) *T, v T) func(d *hotpatch.Device) {
	return func(d *hotpatch.Device) { *p(d) = v }
}

func build(s string) func(d *hotpatch.Device) {
	return func(d *hotpatch.Device) { d.Build = hotpatch.MustParseBuild(s) }
}

func edition(e hotpatch.Edition) func(d *hotpatch.Device) {
	return set(func(d *hotpatch.Device) *hotpatch.Edition { return &d.Edition }, e)
}

func license(l hotpatch.License) func(d *hotpatch.Device) {
	return set(func(d *hotpatch.Device) *hotpatch.License { return &d.License }, l)
}

func vbs(v hotpatch.VBS) func(d *hotpatch.Device) {
	return set(func(d *hotpatch.Device) *hotpatch.VBS { return &d.VBS }, v)
}

func management(m hotpatch.Management) func(d *hotpatch.Device) {
	return set(func(d *hotpatch.Device) *hotpatch.Management { return &d.Management }, m)
}

func policy(t hotpatch.Tri) func(d *hotpatch.Device) {
	return set(func(d *hotpatch.Device) *hotpatch.Tri { return &d.HotpatchPolicy }, t)
}

func arch(a hotpatch.Arch, chpeDisabled hotpatch.Tri) func(d *hotpatch.Device) {
	return func(d *hotpatch.Device) { d.Arch, d.CHPEDisabled = a, chpeDisabled }
}

func none(*hotpatch.Device) {}

func runRuleCases(t *testing.T, track hotpatch.Track, good hotpatch.Device, cases []ruleCase) {
	t.Helper()
	for i, c := range cases {
		day := c.day
		if day.IsZero() {
			day = may2026
		}
		t.Run(fmt.Sprintf("%d_%s_%s", i, c.rule, c.source), func(t *testing.T) {
			p, err := For(track, day)
			if err != nil {
				t.Fatal(err)
			}
			d := good
			c.change(&d)
			v := p.Evaluate(d)
			for r, f := range v.Findings() {
				if r.ID != c.rule {
					continue
				}
				if f.Outcome != c.want || f.Disputed != c.disputed {
					t.Errorf("%s on %v [%s]: got %v (disputed %v: %q), want %v (disputed %v)",
						c.rule, day, c.source, f.Outcome, f.Disputed, f.Why, c.want, c.disputed)
				}
				return
			}
			t.Fatalf("policy %v on %v has no rule %q", track, day, c.rule)
		})
	}
}

// TestWindows11Rules checks each Windows 11 rule against the documentation
// ([S1, S1a–S1e, S2, S7]).
func TestWindows11Rules(t *testing.T) {
	runRuleCases(t, hotpatch.TrackWindows11, goodClient, []ruleCase{
		// os: "Windows 11 version 24H2 or later" [S1a, S1e]; 25H2 from October 2025 [S21, S22].
		{"S1a", "os", zero, none, Pass, false},
		{"S21 S22", "os", zero, build("26200.8246"), Pass, false},
		{"S21 S22", "os", sep2025, build("26200.6508"), Fail, false},
		{"S1a", "os", zero, build("22631.4317"), Fail, false},
		{"S1 (Windows 10 not listed)", "os", zero, build("19045.5011"), Fail, false},
		{"S30 UNCONFIRMED 26H1", "os", zero, build("28000.2113"), Unknown, true},
		{"S23 UNCONFIRMED 26H2, GA 2026-09-29", "os", dec2026, build("26300.9550"), Unknown, true},
		{"S1a unknown build", "os", zero, func(d *hotpatch.Device) { d.Build = hotpatch.Build{} }, Unknown, false},
		// edition: Enterprise/Education [S1d, S2]; AVD with these editions [S2]; Pro, LTSC, IoT disputed [S1c-S1e, S23].
		{"S1d", "edition", zero, none, Pass, false},
		{"S1d", "edition", zero, edition(hotpatch.EditionEducation), Pass, false},
		{"S2 AVD", "edition", zero, edition(hotpatch.EditionEnterpriseMultiSession), Pass, false},
		{"S1c S1e UNCONFIRMED Pro", "edition", zero, edition(hotpatch.EditionPro), Unknown, true},
		{"S23 UNCONFIRMED LTSC", "edition", zero, edition(hotpatch.EditionEnterpriseLTSC), Unknown, true},
		{"S23 UNCONFIRMED IoT", "edition", zero, edition(hotpatch.EditionIoTEnterprise), Unknown, true},
		{"S1d no license for Home", "edition", zero, edition(hotpatch.EditionHome), Fail, false},
		{"S1d no license for SE", "edition", zero, edition(hotpatch.EditionSE), Fail, false},
		{"S1d server", "edition", zero, edition(hotpatch.EditionServerStandard), Fail, false},
		{"unknown edition", "edition", zero, edition(hotpatch.EditionUnknown), Unknown, false},
		// license: E3, E5, F3, A3, A5, Business Premium, Windows 365 Enterprise [S1d, S1e, S2].
		{"S1d E3", "license", zero, license(hotpatch.LicenseE3), Pass, false},
		{"S1d E5", "license", zero, license(hotpatch.LicenseE5), Pass, false},
		{"S1d F3", "license", zero, license(hotpatch.LicenseF3), Pass, false},
		{"S1d A3", "license", zero, license(hotpatch.LicenseA3), Pass, false},
		{"S1d A5", "license", zero, license(hotpatch.LicenseA5), Pass, false},
		{"S1d Business Premium", "license", zero, license(hotpatch.LicenseBusinessPremium), Pass, false},
		{"S1d W365", "license", zero, license(hotpatch.LicenseWindows365Enterprise), Pass, false},
		{"S1d other", "license", zero, license(hotpatch.LicenseOther), Fail, false},
		{"S1d none", "license", zero, license(hotpatch.LicenseNone), Fail, false},
		{"unknown license", "license", zero, license(hotpatch.LicenseUnknown), Unknown, false},
		// vbs: "VBS must be turned on"; System Information must say Running [S1a, S1d].
		{"S1d running", "vbs", zero, vbs(hotpatch.VBSRunning), Pass, false},
		{"S1d not running", "vbs", zero, vbs(hotpatch.VBSConfigured), Fail, false},
		{"S1a off", "vbs", zero, vbs(hotpatch.VBSOff), Fail, false},
		{"unknown vbs", "vbs", zero, vbs(hotpatch.VBSUnknown), Unknown, false},
		// arch: x64; Arm64 in preview [S1c], same cycle from 07/2025 [S1d].
		{"S2 x64", "arch", zero, none, Pass, false},
		{"S1d Arm64", "arch", zero, arch(hotpatch.ArchArm64, hotpatch.True), Pass, false},
		{"S1c Arm64 preview", "arch", mar2025, arch(hotpatch.ArchArm64, hotpatch.True), Pass, false},
		{"S2 x86", "arch", zero, arch(hotpatch.ArchX86, hotpatch.Unknown), Fail, false},
		{"unknown arch", "arch", zero, arch(hotpatch.ArchUnknown, hotpatch.Unknown), Unknown, false},
		// chpe: Arm64 needs HotPatchRestrictions=1 / DisableCHPE [S1a, S1c, S1d].
		{"S1d CHPE off", "chpe", zero, arch(hotpatch.ArchArm64, hotpatch.True), Pass, false},
		{"S1d CHPE on", "chpe", zero, arch(hotpatch.ArchArm64, hotpatch.False), Fail, false},
		{"S1d CHPE unknown", "chpe", zero, arch(hotpatch.ArchArm64, hotpatch.Unknown), Unknown, false},
		{"S1d x64 n/a", "chpe", zero, arch(hotpatch.ArchX64, hotpatch.False), Pass, false},
		{"unknown arch", "chpe", zero, arch(hotpatch.ArchUnknown, hotpatch.False), Unknown, false},
		// management: Intune with a quality update policy [S1c, S1d]; co-management disputed [S23].
		{"S1d Intune", "management", zero, management(hotpatch.ManagementIntune), Pass, false},
		{"S1d Autopatch", "management", zero, management(hotpatch.ManagementAutopatch), Pass, false},
		{"S23 UNCONFIRMED co-managed", "management", zero, management(hotpatch.ManagementCoManaged), Unknown, true},
		{"S1d ConfigMgr only", "management", zero, management(hotpatch.ManagementConfigMgr), Fail, false},
		{"S1d unmanaged", "management", zero, management(hotpatch.ManagementNone), Fail, false},
		{"unknown management", "management", zero, management(hotpatch.ManagementUnknown), Unknown, false},
		// policy: quality update policy with hotpatch on [S1a, S1d]; default on from May 2026 [S7].
		{"S1d policy on", "policy", sep2025, policy(hotpatch.True), Pass, false},
		{"S1d policy off", "policy", sep2025, policy(hotpatch.False), Fail, false},
		{"S1d unknown", "policy", sep2025, policy(hotpatch.Unknown), Unknown, false},
		{"S7 default on, blocked", "policy", zero, policy(hotpatch.False), Fail, false},
		{"S7 default on, unknown", "policy", zero, policy(hotpatch.Unknown), Unknown, false},
		// baseline: "Devices must be on the latest baseline release" [S1a-S1d]; catalog rows [S3, S21, S22].
		{"S1d on April 2026 baseline", "baseline", zero, none, Pass, false},
		{"S22 May 2026 hotpatch", "baseline", zero, build("26100.8390"), Pass, false},
		{"S22 May 2026 hotpatch 25H2", "baseline", zero, build("26200.8390"), Pass, false},
		{"S4b May 2026 LCU leaves the train", "baseline", zero, build("26100.8457"), Fail, false},
		{"S1d January 2026 baseline is old", "baseline", zero, build("26100.7623"), Fail, false},
		{"S1d March 2026 hotpatch is old", "baseline", zero, build("26100.7979"), Fail, false},
		{"S1d older than baseline, not in catalog", "baseline", zero, build("26100.8100"), Fail, false},
		{"newer than the catalog", "baseline", zero, build("26100.9000"), Unknown, false},
		{"unknown build", "baseline", zero, func(d *hotpatch.Device) { d.Build = hotpatch.Build{} }, Unknown, false},
		{"S38 June 2026 unplanned baseline leaves May's hotpatch behind", "baseline", june2026, build("26100.8390"), Fail, false},
		{"S38 on the June 2026 unplanned baseline", "baseline", june2026, build("26200.8655"), Pass, false},
		{"S36 S24 UNCONFIRMED July 2026 baseline", "baseline", aug2026, build("26100.8875"), Unknown, true},
		{"S36 S38 June 2026 baseline is old only if July was a baseline", "baseline", aug2026, build("26100.8655"), Unknown, true},
		{"S38 May 2026 hotpatch is older than the confirmed June baseline", "baseline", aug2026, build("26100.8390"), Fail, false},
		{"S38 last baseline June 2026, build unknown", "baseline", aug2026, func(d *hotpatch.Device) {
			d.Build, d.LastBaseline = hotpatch.Build{}, hotpatch.MustParseBuild("26100.8655")
		}, Unknown, true},
		{"S36 July 2026 out-of-band LCU leaves the train", "baseline", aug2026, build("26100.8894"), Fail, false},
		// Past the catalog (it covers Windows 11 through 2026-09): a build on
		// its newest baseline may be behind a baseline it does not know.
		{"stale: on the catalog's newest baseline", "baseline", dec2026, build("26100.8875"), Unknown, false},
		{"stale: newer than the catalog", "baseline", dec2026, build("26100.9600"), Unknown, false},
		{"stale: older than a known baseline still fails", "baseline", dec2026, build("26100.8390"), Fail, false},
		{"S21 Sep 2025 hotpatch on July baseline", "baseline", sep2025, build("26100.6508"), Pass, false},
		{"S1d last baseline older, build unknown", "baseline", zero, func(d *hotpatch.Device) {
			d.Build, d.LastBaseline = hotpatch.Build{}, hotpatch.MustParseBuild("26100.7623")
		}, Fail, false},
		{"last baseline current, build unknown", "baseline", zero, func(d *hotpatch.Device) {
			d.Build, d.LastBaseline = hotpatch.Build{}, hotpatch.MustParseBuild("26100.8246")
		}, Unknown, false},
	})
}

var zero hotpatch.Date

// TestServer2025Rules checks the Windows Server 2025 rules ([S4a, S4b,
// S5b, S8, S9]).
func TestServer2025Rules(t *testing.T) {
	feb2025 := hotpatch.Date{Year: 2025, Month: 2, Day: 20}
	runRuleCases(t, hotpatch.TrackServer2025, goodServer2025, []ruleCase{
		// os: "build 26100.1742 or later" [S4b].
		{"S4b", "os", zero, none, Pass, false},
		{"S4b GA build", "os", zero, build("26100.1742"), Pass, false},
		{"S4b before GA", "os", zero, build("26100.1000"), Fail, false},
		{"S4b other release", "os", zero, build("20348.5020"), Fail, false},
		// edition: Standard, Datacenter, Datacenter: Azure Edition [S4b].
		{"S4b Standard", "edition", zero, edition(hotpatch.EditionServerStandard), Pass, false},
		{"S4b Datacenter", "edition", zero, edition(hotpatch.EditionServerDatacenter), Pass, false},
		{"S4b Azure Edition", "edition", zero, edition(hotpatch.EditionServerAzureEdition), Pass, false},
		{"S4b client", "edition", zero, edition(hotpatch.EditionEnterprise), Fail, false},
		// secure-boot: "UEFI with Secure Boot enabled", Generation 2 VM [S4b].
		{"S4b UEFI+SB", "secure-boot", zero, none, Pass, false},
		{"S4b BIOS", "secure-boot", zero, set(func(d *hotpatch.Device) *hotpatch.Firmware { return &d.Firmware }, hotpatch.FirmwareBIOS), Fail, false},
		{"S4b SB off", "secure-boot", zero, set(func(d *hotpatch.Device) *hotpatch.Tri { return &d.SecureBoot }, hotpatch.False), Fail, false},
		{"unknown SB", "secure-boot", zero, set(func(d *hotpatch.Device) *hotpatch.Tri { return &d.SecureBoot }, hotpatch.Unknown), Unknown, false},
		// vbs: VirtualizationBasedSecurityStatus must be 2 [S4b].
		{"S4b VBS 2", "vbs", zero, none, Pass, false},
		{"S4b VBS 1", "vbs", zero, vbs(hotpatch.VBSConfigured), Fail, false},
		// management: Arc for Standard/Datacenter; Azure Edition needs no Arc [S4b].
		{"S4b Arc", "management", zero, none, Pass, false},
		{"S4b no Arc", "management", zero, management(hotpatch.ManagementConfigMgr), Fail, false},
		{"S4b Azure Edition no Arc", "management", zero, func(d *hotpatch.Device) {
			d.Edition, d.Management = hotpatch.EditionServerAzureEdition, hotpatch.ManagementAzure
		}, Pass, false},
		{"unknown management", "management", zero, management(hotpatch.ManagementUnknown), Unknown, false},
		// policy: Hotpatch enabled for the machine; preview, paid [S8], free from 2026-05-19 [S9].
		{"S4a preview", "policy", feb2025, build("26100.3107"), Pass, false},
		{"S8 paid", "policy", sep2025, policy(hotpatch.False), Fail, false},
		{"S9 free", "policy", zero, policy(hotpatch.Unknown), Unknown, false},
		// baseline: Server 2025's own revisions from January 2026 [S3].
		{"S3 April 2026 baseline", "baseline", zero, none, Pass, false},
		{"S3 May 2026 hotpatch", "baseline", zero, build("26100.32772"), Pass, false},
		{"S3 May 2026 LCU", "baseline", zero, build("26100.32860"), Fail, false},
		{"S3 client revision is older", "baseline", zero, build("26100.8246"), Fail, false},
		{"S4b KB5070881 and KB5070893 share a build", "baseline", hotpatch.Date{Year: 2025, Month: 11, Day: 1}, build("26100.6905"), Unknown, false},
		{"S36 June 2026 unplanned baseline", "baseline", june2026, build("26100.32995"), Pass, false},
		{"S36 June 2026 unplanned baseline leaves May's hotpatch behind", "baseline", june2026, build("26100.32772"), Fail, false},
		{"stale: on the catalog's newest baseline", "baseline", dec2026, build("26100.33158"), Unknown, false},
		{"S36 June 2026 baseline is old only if July was a baseline", "baseline", aug2026, build("26100.32995"), Unknown, true},
	})
}

// TestServer2022Rules checks the Windows Server 2022 Azure Edition rules
// ([S4b, S5a, S5b, S6]).
func TestServer2022Rules(t *testing.T) {
	runRuleCases(t, hotpatch.TrackServer2022, goodServer2022, []ruleCase{
		{"S5b", "os", zero, none, Pass, false},
		{"S5b", "os", zero, build("26100.32690"), Fail, false},
		{"S5b Azure Edition", "edition", zero, none, Pass, false},
		{"S5b S6 Datacenter is not Azure Edition", "edition", zero, edition(hotpatch.EditionServerDatacenter), Fail, false},
		{"S5b", "policy", zero, policy(hotpatch.False), Fail, false},
		{"S3 April 2026 baseline", "baseline", zero, none, Pass, false},
		{"S3 May 2026 hotpatch", "baseline", zero, build("20348.5074"), Pass, false},
		{"S3 March 2026 hotpatch is old", "baseline", zero, build("20348.4830"), Fail, false},
		// Hotpatch extended past mainstream support (2026-10-13) through
		// October 2027; the last day is 10 or 30 October [S45].
		{"S45 extended through October 2027", "os", dec2026, none, Pass, false},
		{"S45 ends 10 or 30 October 2027", "os", hotpatch.Date{Year: 2027, Month: 10, Day: 20}, none, Unknown, true},
		{"S45 ended in October 2027", "os", hotpatch.Date{Year: 2027, Month: 10, Day: 31}, none, Fail, false},
		{"S45 not 20348 still fails", "os", dec2026, build("26100.32690"), Fail, false},
		{"S3 Aug 2024 unplanned baseline", "baseline", hotpatch.Date{Year: 2024, Month: 9, Day: 20}, build("20348.2695"), Pass, false},
		// The catalog holds no July 2026 release of Server 2022 (a planned
		// baseline): from July's Patch Tuesday the April baseline may be old.
		{"stale: no July 2026 release", "baseline", aug2026, build("20348.5020"), Unknown, false},
		{"stale: March 2026 hotpatch still fails", "baseline", aug2026, build("20348.4830"), Fail, false},
	})
}

// TestGoodDevicesEligible checks that the good devices pass every rule.
func TestGoodDevicesEligible(t *testing.T) {
	for _, c := range []struct {
		track hotpatch.Track
		d     hotpatch.Device
	}{{hotpatch.TrackWindows11, goodClient}, {hotpatch.TrackServer2025, goodServer2025}, {hotpatch.TrackServer2022, goodServer2022}} {
		p, err := For(c.track, may2026)
		if err != nil {
			t.Fatal(err)
		}
		if v := p.Evaluate(c.d); v.Status != Eligible {
			t.Errorf("%v: %v", c.track, v.Results())
		}
	}
}

// Past the catalog, the baseline rule says why it cannot answer: the
// catalog's last month and the months it projects.
func TestBaselineStaleReason(t *testing.T) {
	for _, tc := range []struct {
		track hotpatch.Track
		d     hotpatch.Device
		want  string
	}{
		{hotpatch.TrackWindows11, withBuild(goodClient, "26100.8875"), "releases through 2026-09; 2026-10 to 2026-12 are projected"},
		{hotpatch.TrackServer2022, withBuild(goodServer2022, "20348.5020"), "releases through 2026-06; 2026-07 to 2026-12 are projected"},
	} {
		p, err := For(tc.track, dec2026)
		if err != nil {
			t.Fatal(err)
		}
		v := p.Evaluate(tc.d)
		for r, f := range v.Findings() {
			if r.ID == BaselineRule && (f.Outcome != Unknown || !strings.Contains(f.Why, tc.want)) {
				t.Errorf("%v: %v %q, want unknown because %q", tc.track, f.Outcome, f.Why, tc.want)
			}
		}
	}
}

func withBuild(d hotpatch.Device, b string) hotpatch.Device {
	d.Build = hotpatch.MustParseBuild(b)
	return d
}

// Disputed rules follow the policy's stance: Windows 11 26H2 (26300) is
// Unknown by default, fails under Strict and passes under Lenient.
func TestDisputed26H2(t *testing.T) {
	d := withBuild(goodClient, "26300.9550")
	for stance, want := range map[Stance]Outcome{AsUnknown: Unknown, Strict: Fail, Lenient: Pass} {
		p, err := NewPolicy(hotpatch.TrackWindows11, dec2026, Options{Disputed: stance})
		if err != nil {
			t.Fatal(err)
		}
		v := p.Evaluate(d)
		if got, _ := v.Outcome("os"); got != want {
			t.Errorf("stance %v: os %v, want %v", stance, got, want)
		}
	}
}
