import type { Localized } from '../types';

/** What respondents read: survey pages, thank-you and error pages, posters. */
export const publicMessages = {
  'survey.submit': { vi: 'Gửi câu trả lời', en: 'Submit answer' },
  'survey.commentLabel': { vi: 'Bạn có muốn chia sẻ thêm điều gì không? (không bắt buộc)', en: 'Anything you would like to add? (optional)' },
  'survey.chooseScore': { vi: 'Chọn một điểm từ {min} đến {max}.', en: 'Choose a score from {min} to {max}.' },
  'survey.alreadyAnswered': { vi: 'Bạn đã trả lời khảo sát này. Bạn có thể thay đổi câu trả lời bên dưới.', en: 'You have already answered. You can change your answer below.' },
  'survey.confirmPreselected': { vi: 'Vui lòng xác nhận điểm bạn đã chọn và gửi.', en: 'Please confirm the score you chose and submit.' },
  'survey.languageSwitch': { vi: 'English', en: 'Tiếng Việt' },
  'survey.poweredBy': { vi: 'Khảo sát của {brand}', en: 'A survey by {brand}' },
  'thanks.title': { vi: 'Cảm ơn bạn!', en: 'Thank you!' },
  'thanks.default': { vi: 'Câu trả lời của bạn đã được ghi nhận. Cảm ơn bạn đã dành thời gian.', en: 'Your answer has been recorded. Thank you for your time.' },
  'thanks.change': { vi: 'Thay đổi câu trả lời', en: 'Change my answer' },
  'error.title': { vi: 'Không thể tiếp tục', en: 'We could not continue' },
  'error.scoreMissing': { vi: 'Vui lòng chọn một điểm.', en: 'Please choose a score.' },
  'error.scoreInvalid': { vi: 'Điểm không hợp lệ: hãy chọn một số nguyên từ {min} đến {max}.', en: 'That score is not valid: choose a whole number from {min} to {max}.' },
  'error.commentTooLong': { vi: 'Nhận xét quá dài (tối đa {max} ký tự).', en: 'The comment is too long (at most {max} characters).' },
  'error.hiddenInvalid': { vi: 'Liên kết khảo sát này có tham số không hợp lệ. Vui lòng dùng liên kết gốc.', en: 'This survey link has invalid parameters. Please use the original link.' },
  'error.surveyNotFound': { vi: 'Không tìm thấy khảo sát này. Có thể liên kết đã sai hoặc khảo sát chưa được mở.', en: 'This survey could not be found. The link may be wrong, or the survey is not open yet.' },
  'error.invitationNotFound': { vi: 'Liên kết khảo sát này không hợp lệ hoặc đã hết hạn.', en: 'This survey link is not valid or has expired.' },
  'error.surveyClosed': { vi: 'Khảo sát này đã đóng và không nhận thêm câu trả lời. Cảm ơn bạn đã quan tâm.', en: 'This survey is closed and no longer accepts answers. Thank you for your interest.' },
  'error.notFound': { vi: 'Không tìm thấy trang này.', en: 'This page could not be found.' },
  'error.badRequest': { vi: 'Yêu cầu không hợp lệ.', en: 'The request is not valid.' },
  'error.badCharacters': {
    vi: 'Nội dung gửi lên có ký tự không đọc hoặc không lưu được (ký tự NUL, mã hoá không phải UTF-8). Vui lòng nhập lại và gửi lại.',
    en: 'What was sent contains characters that cannot be read or stored (a NUL character, text that is not UTF-8). Please type it again and resend.',
  },
  'error.tooMany': { vi: 'Quá nhiều yêu cầu. Vui lòng thử lại sau ít phút.', en: 'Too many requests. Please try again in a few minutes.' },
  'error.unavailable': {
    vi: 'Chúng tôi chưa lưu được câu trả lời của bạn do hệ thống đang tạm gián đoạn. Câu trả lời vẫn còn trong biểu mẫu: vui lòng gửi lại sau giây lát.',
    en: 'We could not save your answer just now: the service is briefly unavailable. Your answer is still in the form, please send it again in a moment.',
  },
  'error.unavailablePage': { vi: 'Hệ thống đang tạm gián đoạn. Vui lòng thử lại sau giây lát.', en: 'The service is briefly unavailable. Please try again in a moment.' },
  'error.server': { vi: 'Đã có lỗi xảy ra. Vui lòng thử lại sau.', en: 'Something went wrong. Please try again later.' },
  'poster.scan': { vi: 'Quét mã QR để trả lời — chỉ mất 10 giây', en: 'Scan the QR code to answer — it takes 10 seconds' },
  'poster.print': { vi: 'In', en: 'Print' },
} satisfies Record<string, Localized>;
