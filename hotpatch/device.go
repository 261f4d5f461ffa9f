package hotpatch

// A Device holds the facts about one machine that hotpatch rules ask about.
// Every fact may be unknown: the zero value of each field (an empty ID, the
// zero Build, EditionUnknown, Unknown, ...) means the inventory did not say,
// and rules must treat it as unknown, never as false.
type Device struct {
	ID   string `json:"id"`             // inventory key: Intune device ID, hostname, ...
	Name string `json:"name,omitempty"` // human name, if different from ID

	Build    Build    `json:"build"`    // installed OS build, 10.0.26100.2894
	Edition  Edition  `json:"edition"`  // EditionID
	Arch     Arch     `json:"arch"`     // processor architecture
	Firmware Firmware `json:"firmware"` // UEFI or legacy BIOS

	SecureBoot               Tri `json:"secureBoot"`               // UEFI Secure Boot on
	VBS                      VBS `json:"vbs"`                      // virtualization-based security state
	VirtualizationExtensions Tri `json:"virtualizationExtensions"` // CPU virtualization (VT-x/AMD-V) available and on
	SLAT                     Tri `json:"slat"`                     // second-level address translation available

	// CHPEDisabled reports, on Arm64, whether Compiled Hybrid PE is turned
	// off (HotPatchRestrictions=1 or the DisableCHPE policy), which Arm64
	// hotpatch requires. It has no meaning on other architectures.
	CHPEDisabled Tri `json:"chpeDisabled"`

	Management Management `json:"management"` // what manages updates
	License    License    `json:"license"`    // entitling license

	// HotpatchPolicy reports whether the device is enrolled for hotpatch:
	// on Windows 11, assigned a Windows quality update policy with hotpatch
	// on; on Windows Server via Azure Arc, Hotpatch enabled for the machine.
	HotpatchPolicy Tri `json:"hotpatchPolicy"`

	// LastBaseline is the build of the last baseline update installed, if
	// the inventory records it; the zero Build means unknown.
	LastBaseline Build `json:"lastBaseline"`
}
