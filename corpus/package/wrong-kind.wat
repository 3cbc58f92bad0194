;;! id = "package.wrong-kind"
;;! guarantee = "PKG-08"
;;! since = "0.1.0"
;;! summary = "runtime.kind is \"native\" while the module is valid WebAssembly"
;;! [package]
;;! kind = "native"
;;! [expect]
;;! code = "abi_unsupported"
;; The module would run fine; the manifest asks for a runtime kind this ABI does not provide, and a
;; runtime must not run a package under a contract the package did not ask for.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
