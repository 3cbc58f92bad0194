;;! id = "package.tool-name-multibyte-over-cap"
;;! guarantee = "PKG-04"
;;! since = "0.1.0"
;;! summary = "a second tool named by 43 katakana: 129 bytes, 43 characters"
;;! [package]
;;! tools = ["run", "ツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツツ"]
;;! [expect]
;;! code = "manifest_invalid"
;; The 128-byte limit counts bytes: a check that counts characters (str::chars().count()) takes
;; these 43 characters for well under the limit.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
