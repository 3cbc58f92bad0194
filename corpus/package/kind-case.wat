;;! id = "package.kind-case"
;;! guarantee = "PKG-08"
;;! since = "0.1.0"
;;! summary = "runtime.kind is \"WASM\" in capitals"
;;! [package]
;;! kind = "WASM"
;;! [expect]
;;! code = "abi_unsupported"
;; runtime.kind compares byte for byte: "WASM" is not "wasm". A case-insensitive comparison loads it.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
