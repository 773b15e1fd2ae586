package labelled

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Read reads every labelled letter in the top directory of fsys: pairs of
// NNN-name.txt and NNN-name.json, and .letters files. Errors name the file
// and, in a .letters file, the line.
func Read(fsys fs.FS) ([]Letter, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("labelled: %w", err)
	}
	var out []Letter
	for _, e := range entries {
		name := e.Name()
		switch path.Ext(name) {
		case ".txt":
			l, err := readPair(fsys, name)
			if err != nil {
				return nil, err
			}
			out = append(out, l)
		case ".letters":
			data, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("labelled: %w", err)
			}
			ls, err := Parse(name, data)
			if err != nil {
				return nil, err
			}
			out = append(out, ls...)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// readPair reads NNN-name.txt and its NNN-name.json.
func readPair(fsys fs.FS, txt string) (Letter, error) {
	data, err := fs.ReadFile(fsys, txt)
	if err != nil {
		return Letter{}, fmt.Errorf("labelled: %w", err)
	}
	subject, body, ok := strings.Cut(string(data), "\n\n")
	if !ok {
		return Letter{}, fmt.Errorf("labelled: %s: no blank line after the subject", txt)
	}
	l := Letter{Name: strings.TrimSuffix(txt, ".txt"), Subject: subject, Text: body}
	sidecar, err := fs.ReadFile(fsys, l.Name+".json")
	if err != nil {
		return Letter{}, fmt.Errorf("labelled: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(sidecar))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l.Want); err != nil {
		return Letter{}, fmt.Errorf("labelled: %s.json: %w", l.Name, err)
	}
	l.Want.Full = true
	return l, nil
}
