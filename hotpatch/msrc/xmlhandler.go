package msrc

import "strings"

// elem names the CVRF elements the reader looks at; everything else is
// eOther and is skipped along with its text.
type elem uint8

const (
	eOther elem = iota
	eDoc
	eDocumentTitle
	eDocumentTracking
	eIdentification
	eID
	eInitialReleaseDate
	eCurrentReleaseDate
	eProductTree
	eFullProductName
	eVulnerability
	eCVE
	eRemediations
	eRemediation
	eDescription
	eURL
	eSupercedence
	eProductID
	eRestartRequired
	eSubType
	eFixedBuild
	eRevisionHistory
	eRevision
	eNumber
	eDate
)

// elemOf maps an element's local name (namespace prefix removed).
func elemOf(local []byte) elem {
	switch string(local) {
	case "cvrfdoc":
		return eDoc
	case "DocumentTitle":
		return eDocumentTitle
	case "DocumentTracking":
		return eDocumentTracking
	case "Identification":
		return eIdentification
	case "ID":
		return eID
	case "InitialReleaseDate":
		return eInitialReleaseDate
	case "CurrentReleaseDate":
		return eCurrentReleaseDate
	case "ProductTree":
		return eProductTree
	case "FullProductName":
		return eFullProductName
	case "Vulnerability":
		return eVulnerability
	case "CVE":
		return eCVE
	case "Remediations":
		return eRemediations
	case "Remediation":
		return eRemediation
	case "Description":
		return eDescription
	case "URL":
		return eURL
	case "Supercedence":
		return eSupercedence
	case "ProductID":
		return eProductID
	case "RestartRequired":
		return eRestartRequired
	case "SubType":
		return eSubType
	case "FixedBuild":
		return eFixedBuild
	case "RevisionHistory":
		return eRevisionHistory
	case "Revision":
		return eRevision
	case "Number":
		return eNumber
	case "Date":
		return eDate
	}
	return eOther
}

// localName strips a namespace prefix: "vuln:CVE" → "CVE".
func localName(name []byte) []byte {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == ':' {
			return name[i+1:]
		}
	}
	return name
}

// xmlHandler turns the element events of either XML tokenizer into raw
// records for the builder. It keeps one element stack and captures text
// only for the fields it reads.
type xmlHandler struct {
	b         *builder
	stack     []elem
	capturing bool
	field     elem // what the captured text is
	text      []byte
	productID string
	v         rawVulnerability
	inVuln    bool
}

func newXMLHandler() *xmlHandler { return &xmlHandler{b: newBuilder()} }

func (h *xmlHandler) parent(n int) elem {
	if len(h.stack) < n {
		return eOther
	}
	return h.stack[len(h.stack)-n]
}

// attrSource returns a start tag's attribute value by local name.
type attrSource interface{ attr(local string) string }

// start handles a start tag.
func (h *xmlHandler) start(e elem, tag attrSource, off int64) {
	p := h.parent(1)
	capture := false
	switch {
	case e == eDocumentTitle && p == eDoc,
		(e == eInitialReleaseDate || e == eCurrentReleaseDate) && p == eDocumentTracking,
		e == eID && p == eIdentification && h.parent(2) == eDocumentTracking:
		capture = !h.inVuln
	case e == eFullProductName && h.under(eProductTree):
		h.productID = tag.attr("ProductID")
		capture = true
	case e == eVulnerability && p == eDoc:
		h.inVuln = true
		h.v.reset()
		h.v.offset = off
	case !h.inVuln:
	case e == eCVE && p == eVulnerability:
		capture = true
	case e == eRemediation && p == eRemediations:
		h.v.remediations = append(h.v.remediations, rawRemediation{typ: tag.attr("Type"), offset: off})
	case p == eRemediation && h.parent(2) == eRemediations && (e == eDescription || e == eURL || e == eSupercedence || e == eProductID ||
		e == eRestartRequired || e == eSubType || e == eFixedBuild):
		capture = true
	case e == eRevision && p == eRevisionHistory && h.parent(2) == eVulnerability:
		h.v.revisions = append(h.v.revisions, rawRevision{})
	case p == eRevision && h.parent(3) == eVulnerability && (e == eNumber || e == eDate || e == eDescription):
		capture = true
	}
	h.stack = append(h.stack, e)
	h.capturing, h.field = capture, e
	h.text = h.text[:0]
}

func (h *xmlHandler) under(e elem) bool {
	for _, x := range h.stack {
		if x == e {
			return true
		}
	}
	return false
}

// end handles an end tag; it returns the builder's error for a finished
// vulnerability.
func (h *xmlHandler) end(off int64) error {
	e := h.parent(1)
	h.stack = h.stack[:len(h.stack)-1]
	if h.capturing && e == h.field {
		if err := h.store(e, string(h.text), off); err != nil {
			return err
		}
	}
	h.capturing = false
	if e == eVulnerability && h.inVuln && len(h.stack) == 1 {
		h.inVuln = false
		return h.b.vulnerability(&h.v)
	}
	return nil
}

func (h *xmlHandler) store(e elem, s string, off int64) error {
	if !h.inVuln {
		switch e {
		case eDocumentTitle:
			h.b.doc.Title = s
		case eID:
			h.b.id = s
		case eInitialReleaseDate:
			h.b.initial = s
		case eCurrentReleaseDate:
			h.b.current = s
		case eFullProductName:
			return h.b.product(h.productID, s, off)
		}
		return nil
	}
	if e == eCVE {
		h.v.cve = s
		return nil
	}
	if h.parent(1) == eRemediation && len(h.v.remediations) > 0 {
		r := &h.v.remediations[len(h.v.remediations)-1]
		switch e {
		case eDescription:
			r.description = s
		case eURL:
			r.url = s
		case eSupercedence:
			r.supercedence = s
		case eProductID:
			r.products = append(r.products, strings.TrimSpace(s))
		case eRestartRequired:
			r.restartRequired = s
		case eSubType:
			r.subType = s
		case eFixedBuild:
			r.fixedBuild = s
		}
		return nil
	}
	if h.parent(1) == eRevision && len(h.v.revisions) > 0 {
		r := &h.v.revisions[len(h.v.revisions)-1]
		switch e {
		case eNumber:
			r.number = s
		case eDate:
			r.date = s
		case eDescription:
			r.description = s
		}
	}
	return nil
}
