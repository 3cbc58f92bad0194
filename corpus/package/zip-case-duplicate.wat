;;! id = "package.zip-case-duplicate"
;;! guarantee = "PKG-11"
;;! since = "0.1.0"
;;! summary = "the archive holds plugin.wasm and PLUGIN.wasm, the same bytes"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "PLUGIN.wasm"
;;! data_of = "plugin.wasm"
;;! [expect]
;;! code = "package_invalid"
;; On a case-insensitive file system (macOS, Windows) the two are one file: an extractor keeps
;; whichever it writes last. A reader that compares names byte for byte loads the package.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
