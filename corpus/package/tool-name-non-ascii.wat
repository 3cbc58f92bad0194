;;! id = "package.tool-name-non-ascii"
;;! guarantee = "PKG-04"
;;! since = "0.1.0"
;;! summary = "the manifest declares a second tool named \"ツ\u3000ル\", with an ideographic space"
;;! [package]
;;! tools = ["run", "ツ\u3000ル"]
;;! [expect]
;;! code = "manifest_invalid"
;; A tool name holds no whitespace, and whitespace is Unicode's: U+3000 (IDEOGRAPHIC SPACE) is a
;; space in Japanese text. A check written with ASCII classes (u8::is_ascii_whitespace, \s in a
;; byte regex) accepts it. (Before the originating host's rule was adopted this case named
;; "ツール", letters but not ASCII; a runtime on the strict ASCII rule refuses both.)
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
