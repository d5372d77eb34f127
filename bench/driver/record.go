package driver

import (
	"bytes"
	"fmt"
	"os"
	"strings"
)

// Record puts section into the Markdown file at path between the markers
// of name: it replaces what the markers held, or appends a new section
// with the title when they are absent. Nothing else in the file changes.
func Record(path, name, title, section string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	begin := fmt.Sprintf("<!-- %s: begin (written by the driver; edits inside are lost) -->", name)
	end := fmt.Sprintf("<!-- %s: end -->", name)
	body := begin + "\n" + strings.TrimSpace(section) + "\n" + end
	i, j := bytes.Index(old, []byte(begin)), bytes.Index(old, []byte(end))
	var out []byte
	if i >= 0 && j > i {
		out = append(append(append([]byte{}, old[:i]...), body...), old[j+len(end):]...)
	} else {
		out = append(bytes.TrimRight(old, "\n"), []byte("\n\n## "+title+"\n\n"+body+"\n")...)
	}
	return os.WriteFile(path, out, 0o644)
}
