;;! id = "result.unicode"
;;! guarantee = "RES-01"
;;! since = "0.1.0"
;;! summary = "Japanese, emoji, escapes and a surrogate-pair escape in summary and content"
;;! [expect]
;;! output = { summary = "完了 ✓ 🦀", content = "línea 1\nline 2 \"quoted\" \\ tab\t end 𝄞 𝄞" }
;; Raw UTF-8, JSON escapes (\n, \", \\, \t) and a surrogate pair written as \ud834\udd1e must all
;; decode exactly: the content ends with the same character twice, once escaped and once raw.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result (100 bytes).
  (data (i32.const 0) "{\"summary\":\"完了 ✓ 🦀\",\"content\":\"línea 1\\nline 2 \\\"quoted\\\" \\\\ tab\\t end \\ud834\\udd1e 𝄞\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 100)))))
