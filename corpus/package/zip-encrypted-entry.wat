;;! id = "package.zip-encrypted-entry"
;;! guarantee = "PKG-11"
;;! since = "0.1.0"
;;! summary = "the module entry has the encryption flag (bit 0) set"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "plugin.wasm"
;;! flags = 1
;;! [expect]
;;! code = "package_invalid"
;; An encrypted entry's bytes are not its content: refused, whatever the bytes are.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
