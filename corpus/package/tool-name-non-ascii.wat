;;! id = "package.tool-name-non-ascii"
;;! guarantee = "PKG-04"
;;! since = "0.1.0"
;;! summary = "the manifest declares a second tool named \"ツール\", letters but not ASCII"
;;! [package]
;;! tools = ["run", "ツール"]
;;! [expect]
;;! code = "manifest_invalid"
;; Tool names are ASCII letters, digits, '_' and '-'. A check written with Unicode character classes
;; (char::is_alphanumeric, \w in a Unicode regex) accepts these letters.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
