package msrc_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/patchmodel/patchmodel/hotpatch/msrc"
)

func addFixtures(f *testing.F, pattern string) {
	names, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// checkParse holds every parse to the package's contract: a document or a
// located *ParseError, never a panic.
func checkParse(t *testing.T, data []byte) *msrc.Document {
	d, err := msrc.Parse(context.Background(), bytes.NewReader(data))
	if err != nil {
		var pe *msrc.ParseError
		if !errors.As(err, &pe) || !(errors.Is(err, msrc.ErrFormat) || errors.Is(err, msrc.ErrField)) {
			t.Fatalf("error %v is not a located *ParseError", err)
		}
		return nil
	}
	d.Releases()
	msrc.NewIndex([]*msrc.Document{d}, nil)
	return d
}

func FuzzParseXML(f *testing.F) {
	addFixtures(f, "*.xml")
	f.Add([]byte(`<a><b x="1"/></a>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || data[0] != '<' {
			data = append([]byte("<"), data...)
		}
		checkParse(t, data)
	})
}

func FuzzParseJSON(f *testing.F) {
	addFixtures(f, "*.json")
	f.Add([]byte(`{"DocumentTracking":{"Identification":{"ID":{"Value":"x"}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || data[0] != '{' {
			data = append([]byte("{"), data...)
		}
		checkParse(t, data)
	})
}

// FuzzXMLAgreement holds the scanner to encoding/xml: whatever encoding/xml
// reads, the scanner reads to the same document. (The scanner may accept
// some malformed XML that encoding/xml rejects; its model checks still
// apply.)
func FuzzXMLAgreement(f *testing.F) {
	addFixtures(f, "*.xml")
	f.Add([]byte(`<cvrfdoc><DocumentTracking><Identification><ID>x&amp;y</ID></Identification><InitialReleaseDate>2025-01-01T00:00:00</InitialReleaseDate><CurrentReleaseDate>2025-01-01T00:00:00</CurrentReleaseDate></DocumentTracking></cvrfdoc>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		want, err := msrc.ParseXMLStd(bytes.NewReader(data))
		if err != nil {
			return
		}
		got, err := msrc.Parse(context.Background(), bytes.NewReader(data))
		if err != nil {
			t.Fatalf("encoding/xml reads the document, the scanner fails: %v", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("scanner and encoding/xml differ (-std +scanner):\n%s", diff)
		}
	})
}

// The fixtures read the same both ways.
func TestXMLAgreementOnFixtures(t *testing.T) {
	names, _ := filepath.Glob("testdata/*.xml")
	for _, n := range names {
		data, _ := os.ReadFile(n)
		want, err := msrc.ParseXMLStd(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: encoding/xml: %v", n, err)
		}
		got := checkParse(t, data)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-std +scanner):\n%s", n, diff)
		}
	}
}
