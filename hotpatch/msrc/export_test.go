package msrc

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
)

// ParseXMLStd reads a CVRF XML document with encoding/xml instead of the
// package's scanner, through the same handler: the reference that
// FuzzXMLAgreement and BenchmarkParse compare the scanner with.
var ParseXMLStd = parseXMLStd

func parseXMLStd(r io.Reader) (*Document, error) {
	h := newXMLHandler()
	dec := xml.NewDecoder(r)
	// XML rules that encoding/xml's tokenizer leaves to its caller: one
	// root element, no text outside it.
	depth, roots := 0, 0
	bad := func(msg string) error {
		return &ParseError{Offset: dec.InputOffset(), Err: fmt.Errorf("%w: XML: %s", ErrFormat, msg)}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &ParseError{Offset: dec.InputOffset(), Err: fmt.Errorf("%w: XML: %v", ErrFormat, err)}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if roots++; roots > 1 {
					return nil, bad("a second root element")
				}
			}
			depth++
			h.start(elemOf([]byte(t.Name.Local)), stdAttrs(t.Attr), dec.InputOffset())
		case xml.EndElement:
			depth--
			if err := h.end(dec.InputOffset()); err != nil {
				return nil, err
			}
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(bytes.TrimPrefix(t, []byte("\ufeff")))) > 0 {
				return nil, bad("text outside the root element")
			}
			if h.capturing {
				h.text = append(h.text, t...)
			}
		case xml.Directive:
			return nil, &ParseError{Offset: dec.InputOffset(), Err: fmt.Errorf("%w: XML: directive", ErrFormat)}
		}
	}
	if roots == 0 || depth > 0 {
		return nil, bad("no complete root element")
	}
	return h.b.finish(dec.InputOffset())
}

type stdAttrs []xml.Attr

func (a stdAttrs) attr(local string) string {
	for _, x := range a {
		if x.Name.Local == local {
			return x.Value
		}
	}
	return ""
}
