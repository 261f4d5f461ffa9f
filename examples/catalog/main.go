// Command catalog refreshes the hotpatch release catalog from Microsoft's
// security update data: it reads monthly MSRC CVRF documents and writes the
// catalog rows they give, as the JSON that hotpatch.Catalog.Merge and the
// examples' -catalog FILE flag read.
//
//	go run ./examples/catalog -o newer.json cvrfDocument-2026-Mar.xml
//	go run -tags fetch ./examples/catalog -fetch -o newer.json 2026-Jan 2026-Feb 2026-Mar
//
// With -fetch the arguments are document IDs, fetched anonymously from
// https://api.msrc.microsoft.com/cvrf/v3.0/cvrf/<ID> (Microsoft Security
// Response Center CVRF API v3.0). The HTTP client is in the command only
// when it is built with -tags fetch: without the tag, neither the command
// nor its tests compile net/http and crypto/tls, which would be a fifth of
// the CPU of a cold `go test ./...` of the module; -fetch then says how to
// run it. The rows are checked by merging them into
// the embedded catalog: a row that contradicts it is an error naming both.
// Notes about releases that make no row go to standard error.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/patchmodel/patchmodel/hotpatch"
	"github.com/patchmodel/patchmodel/hotpatch/msrc"
)

// apiURL is the MSRC CVRF v3.0 endpoint of one monthly document.
const apiURL = "https://api.msrc.microsoft.com/cvrf/v3.0/cvrf/"

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, fetchMSRC))
}

// fetcher returns the document with the given ID.
type fetcher func(ctx context.Context, id string) (io.ReadCloser, error)

// fetchMSRC gets documents from apiURL. It is set by fetch.go, which is
// built only with -tags fetch; nil otherwise.
var fetchMSRC fetcher

// fetchCommand is how to run the command with its HTTP client.
const fetchCommand = "go run -tags fetch ./examples/catalog"

func run(ctx context.Context, args []string, stdout, stderr io.Writer, fetch fetcher) int {
	fs := flag.NewFlagSet("catalog", flag.ContinueOnError)
	fs.SetOutput(stderr)
	doFetch := fs.Bool("fetch", false, "arguments are document IDs (2025-Nov) to fetch from "+apiURL+
		" (needs the command built with -tags fetch: "+fetchCommand+" -fetch ID...)")
	out := fs.String("o", "", "write the rows to `FILE` instead of standard output")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: catalog [-o FILE] CVRF-FILE...\n       catalog -fetch [-o FILE] ID...\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	if *doFetch && fetch == nil {
		fmt.Fprintf(stderr, "catalog: -fetch needs a build with -tags fetch (without it net/http stays out of the tests): %s %s\n",
			fetchCommand, strings.Join(args, " "))
		return 2
	}
	var docs []*msrc.Document
	for _, arg := range fs.Args() {
		d, err := load(ctx, arg, *doFetch, fetch)
		if err != nil {
			fmt.Fprintf(stderr, "catalog: %s: %v\n", arg, err)
			return 1
		}
		docs = append(docs, d)
	}
	rows, notes := msrc.CatalogRows(docs, hotpatch.Embedded())
	for _, n := range notes {
		fmt.Fprintf(stderr, "catalog: note: %s\n", n)
	}
	data, err := json.MarshalIndent(rows, "", " ")
	if err != nil {
		fmt.Fprintf(stderr, "catalog: %v\n", err)
		return 1
	}
	data = append(data, '\n')
	merged, err := hotpatch.Embedded().Merge(bytes.NewReader(data))
	if err != nil {
		fmt.Fprintf(stderr, "catalog: the rows contradict the embedded catalog: %v\n", err)
		return 1
	}
	if *out == "" {
		_, err = stdout.Write(data)
	} else {
		err = os.WriteFile(*out, data, 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "catalog: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "catalog: %d documents, %d rows (%d new to the embedded catalog)\n",
		len(docs), len(rows), merged.Len()-hotpatch.Embedded().Len())
	return 0
}

func load(ctx context.Context, arg string, doFetch bool, fetch fetcher) (*msrc.Document, error) {
	var r io.ReadCloser
	var err error
	if doFetch {
		r, err = fetch(ctx, arg)
	} else {
		r, err = os.Open(arg)
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return msrc.Parse(ctx, r)
}
