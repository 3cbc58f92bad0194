;;! id = "package.zip-local-name-disagrees"
;;! guarantee = "PKG-11"
;;! since = "0.1.0"
;;! summary = "the module's local header names it `other.wasm`, its central record `plugin.wasm`"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "plugin.wasm"
;;! local_name = "other.wasm"
;;! [expect]
;;! code = "package_invalid"
;; A streaming extractor (local headers) and a central-directory reader see different files. A
;; reader that locates entries through the central directory without comparing the local header
;; loads the module.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
