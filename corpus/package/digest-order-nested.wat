;;! id = "package.digest-order-nested"
;;! guarantee = "PKG-01"
;;! since = "0.1.0"
;;! summary = "the module is plugin/v1/tool.wasm, two directories deep under a name that prefixes plugin.toml"
;;! tool = "nested"
;;! [package]
;;! entry = "plugin/v1/tool.wasm"
;;! [expect]
;;! output = { summary = "hashed in byte order, two levels down" }
;; The second case of package.digest-order-subdirectory, with the module two directories down and
;; a path of three components. In byte order "plugin.toml" < "plugin/v1/tool.wasm"; a recursive walk
;; that hashes each directory's entries sorted by name (or any sort by components) hashes the module
;; first, computes another digest and refuses this intact package with digest_mismatch.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"hashed in byte order, two levels down\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 51)))))
