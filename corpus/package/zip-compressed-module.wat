;;! id = "package.zip-compressed-module"
;;! guarantee = "PKG-11"
;;! since = "0.1.0"
;;! summary = "the module entry is marked deflated (method 8) though its bytes are stored"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "plugin.wasm"
;;! method = 8
;;! [expect]
;;! code = "package_invalid"
;; Only stored entries are read. The bytes are the module as stored, so a reader that ignores the
;; method loads and runs it; one that inflates them fails otherwise. Either reads what the packer
;; did not mean.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
