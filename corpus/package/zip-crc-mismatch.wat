;;! id = "package.zip-crc-mismatch"
;;! guarantee = "PKG-11"
;;! since = "0.1.0"
;;! summary = "the module entry's CRC-32 (both headers) is not the CRC of its bytes"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "plugin.wasm"
;;! crc = 305419896
;;! [expect]
;;! code = "package_invalid"
;; Every entry's data is checked against its CRC-32: a corrupt or altered entry is refused.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
