;;! id = "cache.writable-parent-not-used"
;;! guarantee = "CACHE-02"
;;! since = "0.1.0"
;;! summary = "the directory holding the cache directory is writable by its group and not sticky"
;;! capabilities = ["disk_cache"]
;;! [disk_cache]
;;! attack = "writable_parent"
;;! [expect]
;;! output = { summary = "compiled from the package" }
;; The cache directory itself is private, but the directory holding it gets mode 0770 before any
;; request: a group member can rename the cache directory away and put one of their own in its
;; place, so every directory above the cache must be writable by nobody else (unless sticky, as
;; /tmp). The warm-up load must write nothing under the cache directory; the call is still
;; answered from the package. A runtime that checks the cache directory but not its parents, or
;; refuses only world-writable ones, writes its entry there.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"compiled from the package\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 39)))))
