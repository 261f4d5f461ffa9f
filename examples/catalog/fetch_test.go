//go:build fetch

package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The HTTP client against a local server that serves one fixture document
// as the MSRC API would: GET <base><ID>, 404 for any other ID.
func TestFetchHTTP(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixtures, "2025-Dec.json"))
	if err != nil {
		t.Fatal(err)
	}
	var accepts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accepts = append(accepts, r.Header.Get("Accept"))
		if r.URL.Path != "/cvrf/2025-Dec" {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	defer srv.Close()
	fetch := httpFetcher(srv.Client(), srv.URL+"/cvrf/")

	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"-fetch", "2025-Dec"}, &out, &errs, fetch); code != 0 || !strings.Contains(out.String(), "KB5072014") {
		t.Errorf("exit %d, output %s, errors %s", code, out.String(), errs.String())
	}
	out.Reset()
	errs.Reset()
	if code := run(context.Background(), []string{"-fetch", "2099-Jan"}, &out, &errs, fetch); code != 1 || out.Len() != 0 ||
		!strings.Contains(errs.String(), "2099-Jan: GET "+srv.URL+"/cvrf/2099-Jan: 404 Not Found") {
		t.Errorf("failed fetch: exit %d, output %q, errors %q", code, out.String(), errs.String())
	}
	if len(accepts) != 2 || accepts[0] != "application/xml" {
		t.Errorf("Accept headers %q, want application/xml on both requests", accepts)
	}
	if fetchMSRC == nil {
		t.Error("built with -tags fetch, but fetchMSRC is nil")
	}
}
