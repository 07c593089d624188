/** The public link of a survey; hidden fields are added as query parameters by whoever shares it. */
export function publicSurveyUrl(baseUrl: string, surveyId: string): string {
  return `${baseUrl}/s/${surveyId}`;
}

/** What the QR code encodes: the public link marked so answers record channel `qr`. */
export function qrTargetUrl(baseUrl: string, surveyId: string): string {
  return `${publicSurveyUrl(baseUrl, surveyId)}?via=qr`;
}

export function qrImageUrl(baseUrl: string, surveyId: string, format: 'svg' | 'png' = 'png'): string {
  return `${publicSurveyUrl(baseUrl, surveyId)}/qr.${format}`;
}

export function posterUrl(baseUrl: string, surveyId: string, size: 'a4' | 'a6' = 'a4'): string {
  return `${publicSurveyUrl(baseUrl, surveyId)}/poster?size=${size}`;
}
