package msrc

import (
	"bufio"
	"context"
	"fmt"
	"io"
)

// Parse reads one month's CVRF document, in XML (as the mirror and the API
// serve it with Accept: application/xml) or JSON (Accept:
// application/json); the first byte tells which. It reads the input once,
// front to back, and keeps only the model, never the whole input.
//
// Parse tolerates what real documents contain: the four spellings of the
// hotpatch SubType, RestartRequired "Yes" on hotpatches, empty URLs, the
// 2022 hotpatch product with ProductID 0, products it does not model. A
// remediation for a hotpatch-track product with a missing or malformed KB,
// FixedBuild or Supercedence, a ProductID missing from the product tree, a
// bad CVE or date, or malformed XML or JSON is a *ParseError that says
// which vulnerability and which field. Parse stops with ctx's error once
// ctx is done (it checks before each read). It holds at most one tag or field of up to 1 MiB of
// XML, or one vulnerability's JSON, beyond the model it builds.
func Parse(ctx context.Context, r io.Reader) (*Document, error) {
	br := bufio.NewReaderSize(&ctxReader{ctx: ctx, r: r}, 64<<10)
	c, err := firstByte(br)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &ParseError{Err: fmt.Errorf("%w: %v", ErrFormat, err)}
	}
	var d *Document
	switch c {
	case '<':
		d, err = parseXML(br)
	case '{':
		d, err = parseJSON(br)
	default:
		return nil, &ParseError{Value: string(rune(c)), Err: fmt.Errorf("%w: want XML or JSON", ErrFormat)}
	}
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return d, err
}

// firstByte skips a byte-order mark and white space and peeks at the first
// byte of the document.
func firstByte(br *bufio.Reader) (byte, error) {
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	for {
		b, err := br.Peek(1)
		if err != nil {
			if err == io.EOF {
				return 0, fmt.Errorf("empty input")
			}
			return 0, err
		}
		if !isSpace(b[0]) {
			return b[0], nil
		}
		br.Discard(1)
	}
}

// ctxReader fails reads once ctx is done, so that a long parse stops.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
