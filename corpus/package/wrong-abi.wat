;;! id = "package.wrong-abi"
;;! guarantee = "PKG-08"
;;! since = "0.1.0"
;;! summary = "runtime.abi is \"yoi-plugin-wasm-2\""
;;! [package]
;;! abi = "yoi-plugin-wasm-2"
;;! [expect]
;;! code = "abi_unsupported"
;; A newer ABI name than this runtime implements; the module itself only uses v1 imports and would
;; run. abi_unsupported, never "close enough".
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
