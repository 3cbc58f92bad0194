;;! id = "package.zip-duplicate-name"
;;! guarantee = "PKG-11"
;;! since = "0.1.0"
;;! summary = "the archive holds two entries named plugin.wasm"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "plugin.wasm"
;;! data_of = "plugin.wasm"
;;! append = true
;;! [expect]
;;! code = "package_invalid"
;; Two entries of one name, the same bytes: which one is the module depends on the reader, and a
;; reader that keeps the last one lets a packer append a module an auditor's unzip never shows.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
