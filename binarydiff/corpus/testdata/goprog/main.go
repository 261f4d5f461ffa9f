// Command goprog is a small Go program the corpus builds with several Go
// toolchains, twice: as it is and with the build tag v2, which changes one
// function (change_v2.go), so that each toolchain gives a pair with a known
// one-function change and the same build run twice gives a null change.
package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
	"text/template"
)

type entry struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

func main() {
	counts := map[string]int{}
	for _, a := range os.Args[1:] {
		u, err := url.Parse(a)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		counts[normalize(u.Host)]++
	}
	var es []entry
	for k, v := range counts {
		es = append(es, entry{k, v})
	}
	sort.Slice(es, func(i, j int) bool { return es[i].Key < es[j].Key })
	t := template.Must(template.New("t").Parse("{{range .}}{{.Key}} {{.Count}}\n{{end}}"))
	if err := t.Execute(os.Stdout, es); err != nil {
		os.Exit(1)
	}
	b, _ := json.Marshal(es)
	fmt.Println(strings.TrimSpace(string(b)))
}
