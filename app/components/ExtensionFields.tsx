/** Fields of an assignment extension (the queue page and the submission page post them to the queue route). */
export function ExtensionFields() {
  return (
    <>
      <label>
        新的截止时间
        <input type="datetime-local" name="due" required />
      </label>
      <label>
        最终截止时间 <small>（可不填：取新截止时间与原最终截止中较晚者）</small>
        <input type="datetime-local" name="cutoff" />
      </label>
      <label>
        延期原因
        <input name="reason" required maxLength={200} />
      </label>
    </>
  );
}
