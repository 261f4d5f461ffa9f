package msrc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The JSON form of a CVRF document has the XML's field names, but wraps
// many values as {"Value": ...}, numbers Remediation Type (2 = Vendor Fix)
// and lists ProductID as an array. jtext and jlist accept every shape seen.

// jtext is a text value: a string, a number, a boolean, null, or an object
// whose "Value" holds one of those.
type jtext string

func (t *jtext) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '{':
		// Fast path for the usual {"Value": v}.
		if rest, ok := bytes.CutPrefix(bytes.TrimLeft(b[1:], " \t\r\n"), []byte(`"Value"`)); ok {
			rest = bytes.TrimLeft(rest, " \t\r\n")
			if rest, ok = bytes.CutPrefix(rest, []byte(":")); ok {
				inner := bytes.TrimSpace(rest[:len(rest)-1])
				if len(inner) > 0 && inner[0] != '{' && json.Valid(inner) {
					return t.UnmarshalJSON(inner)
				}
			}
		}
		var w struct {
			Value jtext `json:"Value"`
		}
		if err := json.Unmarshal(b, &w); err != nil {
			return err
		}
		*t = w.Value
	case '"':
		// The decoder has checked the value; without escapes it is the
		// text between the quotes.
		if len(b) >= 2 && bytes.IndexByte(b, '\\') < 0 {
			*t = jtext(b[1 : len(b)-1])
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = jtext(s)
	case 'n':
		*t = ""
	case '[':
		return errors.New("want a value, not an array")
	default:
		*t = jtext(b) // a number or boolean, as written
	}
	return nil
}

// jlist is a list of text values, or a single one.
type jlist []string

func (l *jlist) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var ts []jtext
		if err := json.Unmarshal(b, &ts); err != nil {
			return err
		}
		for _, t := range ts {
			*l = append(*l, string(t))
		}
		return nil
	}
	var t jtext
	if err := t.UnmarshalJSON(b); err != nil {
		return err
	}
	if t != "" {
		*l = append(*l, string(t))
	}
	return nil
}

type jsonTracking struct {
	Identification struct {
		ID jtext `json:"ID"`
	} `json:"Identification"`
	InitialReleaseDate jtext `json:"InitialReleaseDate"`
	CurrentReleaseDate jtext `json:"CurrentReleaseDate"`
}

type jsonProductTree struct {
	FullProductName []struct {
		ProductID jtext `json:"ProductID"`
		Value     jtext `json:"Value"`
	} `json:"FullProductName"`
}

type jsonVulnerability struct {
	CVE             jtext `json:"CVE"`
	RevisionHistory []struct {
		Number      jtext `json:"Number"`
		Date        jtext `json:"Date"`
		Description jtext `json:"Description"`
	} `json:"RevisionHistory"`
	Remediations []struct {
		Type            jtext `json:"Type"`
		Description     jtext `json:"Description"`
		URL             jtext `json:"URL"`
		Supercedence    jtext `json:"Supercedence"`
		ProductID       jlist `json:"ProductID"`
		RestartRequired jtext `json:"RestartRequired"`
		SubType         jtext `json:"SubType"`
		FixedBuild      jtext `json:"FixedBuild"`
	} `json:"Remediations"`
}

func (j *jsonVulnerability) raw(off int64) rawVulnerability {
	v := rawVulnerability{cve: string(j.CVE), offset: off}
	for _, r := range j.RevisionHistory {
		v.revisions = append(v.revisions, rawRevision{string(r.Number), string(r.Date), string(r.Description)})
	}
	for _, r := range j.Remediations {
		v.remediations = append(v.remediations, rawRemediation{
			typ: string(r.Type), description: string(r.Description), url: string(r.URL),
			supercedence: string(r.Supercedence), products: r.ProductID,
			restartRequired: string(r.RestartRequired), subType: string(r.SubType),
			fixedBuild: string(r.FixedBuild), offset: off,
		})
	}
	return v
}

func parseJSON(r io.Reader) (*Document, error) {
	b := newBuilder()
	dec := json.NewDecoder(r)
	fail := func(field string, err error) error {
		var pe *ParseError
		if errors.As(err, &pe) {
			return err
		}
		return &ParseError{Document: b.id, Field: field, Offset: dec.InputOffset(), Err: fmt.Errorf("%w: JSON: %v", ErrFormat, err)}
	}
	if err := expectDelim(dec, '{'); err != nil {
		return nil, fail("", err)
	}
	var pending []rawVulnerability // vulnerabilities that came before the product tree
	treeSeen := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fail("", err)
		}
		key, _ := tok.(string)
		switch key {
		case "DocumentTitle":
			var t jtext
			if err := dec.Decode(&t); err != nil {
				return nil, fail(key, err)
			}
			b.doc.Title = string(t)
		case "DocumentTracking":
			var t jsonTracking
			if err := dec.Decode(&t); err != nil {
				return nil, fail(key, err)
			}
			b.id, b.initial, b.current = string(t.Identification.ID), string(t.InitialReleaseDate), string(t.CurrentReleaseDate)
		case "ProductTree":
			var t jsonProductTree
			off := dec.InputOffset()
			if err := dec.Decode(&t); err != nil {
				return nil, fail(key, err)
			}
			for _, p := range t.FullProductName {
				if err := b.product(string(p.ProductID), string(p.Value), off); err != nil {
					return nil, err
				}
			}
			treeSeen = true
			for i := range pending {
				if err := b.vulnerability(&pending[i]); err != nil {
					return nil, err
				}
			}
			pending = nil
		case "Vulnerability":
			if err := expectDelim(dec, '['); err != nil {
				return nil, fail(key, err)
			}
			for dec.More() {
				off := dec.InputOffset()
				var v jsonVulnerability
				if err := dec.Decode(&v); err != nil {
					err = fail("Vulnerability", err)
					if pe, ok := err.(*ParseError); ok {
						pe.Index = b.index + len(pending) + 1
					}
					return nil, err
				}
				rv := v.raw(off)
				if !treeSeen {
					pending = append(pending, rv)
					continue
				}
				if err := b.vulnerability(&rv); err != nil {
					return nil, err
				}
			}
			if _, err := dec.Token(); err != nil {
				return nil, fail(key, err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, fail(key, err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fail("", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fail("", errors.New("data after the document"))
	}
	for i := range pending {
		if err := b.vulnerability(&pending[i]); err != nil {
			return nil, err
		}
	}
	return b.finish(dec.InputOffset())
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, got %v", want, tok)
	}
	return nil
}
