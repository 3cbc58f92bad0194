;;! id = "package.zip-local-method-disagrees"
;;! guarantee = "PKG-11"
;;! since = "0.1.0"
;;! summary = "the module's local header says deflated, its central record stored"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "plugin.wasm"
;;! local_method = 8
;;! [expect]
;;! code = "package_invalid"
;; The two headers disagree on how to read the same bytes.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
