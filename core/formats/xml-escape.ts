// Text put into XML attributes and elements (label configs, Pascal VOC files): the five special characters
// as numeric character references.
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
