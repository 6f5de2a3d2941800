package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
)

// segmentsCmd is `redcloud segments "text"`: how a text travels as SMS,
// computed offline by the function the server uses at acceptance.
func segmentsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "segments TEXT",
		Short: "Show how a text travels as SMS: encoding, segments, parts (offline)",
		Long: `Show how a text travels as SMS, offline, with the same function the server
uses at acceptance: GSM-7 when every character is in the GSM 03.38 basic or
extension table (an extension character such as € [ ] { } costs two septets),
else UCS-2 (an emoji costs two units); one part holds 160 septets / 70 units,
longer texts go in parts of 153 / 67. Carriers bill per segment. The
characters that forced UCS-2 are listed: replace them to halve the cost.
--json prints the breakdown for scripts.`,
		Example: `  redcloud segments "Your code is 123456"
  redcloud segments "Ça coûte 5 € — merci 😜" --json`,
		Args: exactArgs("TEXT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			info := redcloud.Segments(args[0])
			if asJSON {
				return printJSON(cmd.OutOrStdout(), info)
			}
			printSegments(cmd.OutOrStdout(), info)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts instead of human output")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usage(err) })
	return cmd
}

// printSegments prints info for humans.
func printSegments(w io.Writer, info redcloud.SegmentInfo) {
	unit := "septets"
	if info.Encoding == redcloud.EncodingUCS2 {
		unit = "UTF-16 units"
	}
	sizes := make([]string, len(info.Parts))
	for i, p := range info.Parts {
		sizes[i] = strconv.Itoa(p.Units)
	}
	t := table(w)
	fmt.Fprintf(t, "encoding\t%s\n", info.Encoding)
	fmt.Fprintf(t, "segments\t%d\n", info.Segments)
	fmt.Fprintf(t, "parts (%s)\t%s\n", unit, strings.Join(sizes, ", "))
	fmt.Fprintf(t, "non-GSM characters\t%s\n", or(nonGSMText(info.NonGSMCharacters)))
	t.Flush()
}

// nonGSMText lists characters quoted, each with its code point: "ç" U+00E7.
func nonGSMText(chars []string) string {
	quoted := make([]string, len(chars))
	for i, c := range chars {
		quoted[i] = strconv.QuoteToGraphic(c) + " " + fmt.Sprintf("U+%04X", []rune(c)[0])
	}
	return strings.Join(quoted, ", ")
}

// encodingText is how a message travels, for humans: "GSM-7, 1 segment",
// "UCS-2, 2 segments (forced by "ç" U+00E7)", or "MMS, 1 segment" (an MMS
// has no SMS encoding). A response stored before servers counted segments
// has none: "-".
func encodingText(encoding *string, segments int, nonGSM []string) string {
	if segments == 0 {
		return "-"
	}
	enc := "MMS"
	if encoding != nil {
		enc = *encoding
	}
	s := fmt.Sprintf("%s, %d segment%s", enc, segments, plural(segments))
	if len(nonGSM) > 0 {
		s += " (forced by " + nonGSMText(nonGSM) + ")"
	}
	return s
}
