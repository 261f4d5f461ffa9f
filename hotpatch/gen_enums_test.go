package hotpatch_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestEnumsGenerated checks that enums.go is what gen_enums.go writes
// (run go generate in this directory after editing the enum table).
func TestEnumsGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator with the go command")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	out := filepath.Join(t.TempDir(), "enums.go")
	if msg, err := exec.Command(gobin, "run", "gen_enums.go", "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("go run gen_enums.go: %v\n%s", err, msg)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("enums.go")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Error("enums.go differs from what gen_enums.go writes: run go generate ./hotpatch")
	}
}
