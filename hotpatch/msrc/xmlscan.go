package msrc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlScanner is a streaming reader for the subset of XML that CVRF
// documents use: elements, attributes, character data with the predefined
// and numeric entities, CDATA sections, comments and processing
// instructions. It is about ten times faster than encoding/xml because it
// decodes text only for the fields the handler captures, and it never
// builds tokens for the rest. FuzzXMLAgreement holds it to encoding/xml:
// every document encoding/xml reads, it reads to the same Document. It
// rejects DOCTYPE declarations (CVRF has none).
type xmlScanner struct {
	r     *bufio.Reader
	off   int64
	h     *xmlHandler
	tag   []byte // the current tag, without '<' and '>'
	raw   []byte // captured text not yet decoded
	names []byte // open element names, concatenated
	ends  []int  // end of each open name in names
	attrs []byte // the current start tag's attributes
	root  bool   // the root element has started
}

// maxToken bounds a tag and a captured field, so that a malformed document
// cannot make the scanner hold unbounded memory; real ones stay under a few
// kilobytes.
const maxToken = 1 << 20

func parseXML(r io.Reader) (*Document, error) {
	s := &xmlScanner{r: bufio.NewReaderSize(r, 64<<10), h: newXMLHandler()}
	if err := s.run(); err != nil {
		return nil, s.locate(err)
	}
	return s.h.b.finish(s.off)
}

// locate turns a syntax error into a *ParseError at the current offset.
func (s *xmlScanner) locate(err error) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		return err
	}
	e := &ParseError{Document: s.h.b.id, Field: s.path(), Offset: s.off, Err: fmt.Errorf("%w: XML: %v", ErrFormat, err)}
	if s.h.inVuln {
		e.CVE, e.Index = s.h.v.cve, s.h.b.index+1
	}
	return e
}

// path names the innermost open elements, "Remediation/FixedBuild".
func (s *xmlScanner) path() string {
	var p []byte
	for i := max(0, len(s.ends)-2); i < len(s.ends); i++ {
		start := 0
		if i > 0 {
			start = s.ends[i-1]
		}
		if len(p) > 0 {
			p = append(p, '/')
		}
		p = append(p, localName(s.names[start:s.ends[i]])...)
	}
	return string(p)
}

func (s *xmlScanner) run() error {
	for {
		if err := s.readText(); err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		if err := s.readTag(); err != nil {
			if err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		if err := s.handleTag(); err != nil {
			return err
		}
	}
	switch {
	case !s.root:
		return errors.New("no root element")
	case len(s.ends) > 0:
		return fmt.Errorf("unexpected end of input inside <%s>", s.top())
	}
	return nil
}

// readText consumes character data up to and including the next '<'.
func (s *xmlScanner) readText() error {
	for {
		chunk, err := s.r.ReadSlice('<')
		s.off += int64(len(chunk))
		text := chunk
		if err == nil {
			text = chunk[:len(chunk)-1]
		}
		if len(s.ends) == 0 && len(trimSpaceLeft(text)) > 0 {
			return errors.New("text outside the root element")
		}
		if s.h.capturing {
			if len(s.raw)+len(s.h.text)+len(text) > maxToken {
				return errors.New("field text longer than 1 MiB")
			}
			s.raw = append(s.raw, text...)
		}
		switch err {
		case nil:
			return s.flushText()
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			if len(s.ends) > 0 || len(trimSpaceLeft(text)) > 0 {
				return io.ErrUnexpectedEOF
			}
			return io.EOF
		default:
			return err
		}
	}
}

// flushText decodes the captured raw text into the handler.
func (s *xmlScanner) flushText() error {
	if len(s.raw) == 0 {
		return nil
	}
	var err error
	s.h.text, err = unescape(s.h.text, s.raw)
	s.raw = s.raw[:0]
	return err
}

// readTag reads the rest of a tag up to its closing '>', keeping quoted
// attribute values, comments and CDATA sections whole.
func (s *xmlScanner) readTag() error {
	s.tag = s.tag[:0]
	for {
		chunk, err := s.r.ReadSlice('>')
		s.off += int64(len(chunk))
		s.tag = append(s.tag, chunk...)
		if len(s.tag) > maxToken {
			return errors.New("tag longer than 1 MiB")
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return err
		}
		body := s.tag[:len(s.tag)-1]
		if tagComplete(body) {
			s.tag = body
			return nil
		}
	}
}

func tagComplete(t []byte) bool {
	switch {
	case bytes.HasPrefix(t, []byte("!--")):
		return len(t) >= 5 && bytes.HasSuffix(t, []byte("--"))
	case bytes.HasPrefix(t, []byte("![CDATA[")):
		return bytes.HasSuffix(t, []byte("]]"))
	case len(t) > 0 && t[0] == '?':
		return len(t) >= 2 && t[len(t)-1] == '?'
	}
	var q byte
	for _, c := range t {
		switch {
		case q != 0 && c == q:
			q = 0
		case q == 0 && (c == '"' || c == '\''):
			q = c
		}
	}
	return q == 0
}

func (s *xmlScanner) handleTag() error {
	t := s.tag
	switch {
	case len(t) == 0:
		return errors.New("empty tag")
	case t[0] == '/':
		return s.endTag(trimSpaceRight(t[1:]))
	case t[0] == '?':
		if len(t) < 2 || t[len(t)-1] != '?' {
			return errors.New("unterminated processing instruction")
		}
		return nil
	case bytes.HasPrefix(t, []byte("!--")):
		if bytes.Contains(t[3:len(t)-2], []byte("--")) {
			return errors.New(`"--" inside a comment`)
		}
		return nil
	case bytes.HasPrefix(t, []byte("![CDATA[")):
		if len(s.ends) == 0 {
			return errors.New("CDATA outside the root element")
		}
		if s.h.capturing {
			s.h.text = appendNormalized(s.h.text, t[8:len(t)-2])
		}
		return nil
	case t[0] == '!':
		return errors.New("DOCTYPE and other declarations are not supported")
	}
	return s.startTag(t)
}

func (s *xmlScanner) top() []byte {
	start := 0
	if n := len(s.ends); n > 1 {
		start = s.ends[n-2]
	}
	return s.names[start:s.ends[len(s.ends)-1]]
}

func (s *xmlScanner) endTag(name []byte) error {
	if len(s.ends) == 0 {
		return fmt.Errorf("unexpected end tag </%s>", name)
	}
	if !bytes.Equal(name, s.top()) {
		return fmt.Errorf("element <%s> closed by </%s>", s.top(), name)
	}
	s.ends = s.ends[:len(s.ends)-1]
	s.names = s.names[:len(s.names)-len(name)]
	return s.h.end(s.off)
}

func (s *xmlScanner) startTag(t []byte) error {
	self := false
	if t[len(t)-1] == '/' {
		self, t = true, t[:len(t)-1]
	}
	i := 0
	for i < len(t) && !isSpace(t[i]) {
		i++
	}
	name := t[:i]
	if !validName(name) {
		return fmt.Errorf("bad element name %q", name)
	}
	if len(s.ends) == 0 {
		if s.root {
			return errors.New("a second root element")
		}
		s.root = true
	}
	s.attrs = t[i:]
	if err := checkAttrs(s.attrs); err != nil {
		return fmt.Errorf("<%s>: %v", name, err)
	}
	s.names = append(s.names, name...)
	s.ends = append(s.ends, len(s.names))
	s.h.start(elemOf(localName(name)), s, s.off)
	if self {
		return s.endTag(name)
	}
	return nil
}

// attr returns the decoded value of the current start tag's attribute with
// the given local name, or "".
func (s *xmlScanner) attr(local string) string {
	a := s.attrs
	for {
		name, val, rest, ok := nextAttr(a)
		if !ok {
			return ""
		}
		if string(localName(name)) == local {
			v, err := unescape(nil, val)
			if err != nil {
				return ""
			}
			return string(v)
		}
		a = rest
	}
}

// checkAttrs checks the attribute list: name="value" pairs, and values
// whose entities decode. Like encoding/xml, it does not insist on space
// between attributes.
func checkAttrs(a []byte) error {
	for {
		if len(trimSpaceLeft(a)) == 0 {
			return nil
		}
		name, val, rest, ok := nextAttr(a)
		if !ok || !validName(name) || bytes.IndexByte(val, '<') >= 0 {
			return fmt.Errorf("bad attribute in %q", shorten(string(a)))
		}
		if _, err := unescape(nil, val); err != nil {
			return err
		}
		a = rest
	}
}

// nextAttr splits off the first name="value" of a.
func nextAttr(a []byte) (name, val, rest []byte, ok bool) {
	a = trimSpaceLeft(a)
	eq := bytes.IndexByte(a, '=')
	if eq <= 0 {
		return nil, nil, nil, false
	}
	name = trimSpaceRight(a[:eq])
	v := trimSpaceLeft(a[eq+1:])
	if len(v) == 0 || (v[0] != '"' && v[0] != '\'') {
		return nil, nil, nil, false
	}
	end := bytes.IndexByte(v[1:], v[0])
	if end < 0 {
		return nil, nil, nil, false
	}
	return name, v[1 : 1+end], v[2+end:], true
}

func trimSpaceLeft(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	return b
}

func trimSpaceRight(b []byte) []byte {
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// validName accepts XML names as encoding/xml does for ASCII, and any
// non-ASCII letter.
func validName(n []byte) bool {
	if len(n) == 0 {
		return false
	}
	ascii := true
	for i, c := range n {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '_', c == ':':
		case c >= 0x80:
			ascii = false
		case i > 0 && ('0' <= c && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return ascii || utf8.Valid(n)
}

// unescape appends raw with its entity references decoded and its line
// ends normalized ("\r\n" and "\r" to "\n", as XML requires).
func unescape(dst, raw []byte) ([]byte, error) {
	for {
		i := bytes.IndexByte(raw, '&')
		if i < 0 {
			return appendNormalized(dst, raw), nil
		}
		dst = appendNormalized(dst, raw[:i])
		raw = raw[i+1:]
		j := bytes.IndexByte(raw, ';')
		if j < 0 {
			return dst, errors.New("unterminated entity reference")
		}
		ent := raw[:j]
		raw = raw[j+1:]
		switch string(ent) {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			r, ok := charRef(ent)
			if !ok {
				return dst, fmt.Errorf("unknown entity &%s;", shorten(string(ent)))
			}
			dst = utf8.AppendRune(dst, r)
		}
	}
}

func charRef(ent []byte) (rune, bool) {
	if len(ent) < 2 || ent[0] != '#' {
		return 0, false
	}
	var n uint64
	var err error
	if ent[1] == 'x' {
		n, err = strconv.ParseUint(string(ent[2:]), 16, 32)
	} else {
		n, err = strconv.ParseUint(string(ent[1:]), 10, 32)
	}
	if err != nil || !isXMLChar(rune(n)) {
		return 0, false
	}
	return rune(n), true
}

// isXMLChar is the Char production of XML 1.0, as encoding/xml checks it.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func appendNormalized(dst, b []byte) []byte {
	for {
		i := bytes.IndexByte(b, '\r')
		if i < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:i]...)
		dst = append(dst, '\n')
		b = b[i+1:]
		if len(b) > 0 && b[0] == '\n' {
			b = b[1:]
		}
	}
}
